/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * A second, independent reading of SPEC.md's origin grammar, written
 * without looking at how mod_cors.c parses, for the harnesses to compare
 * mod_cors against:
 *
 *   origin  = scheme "://" host [ ":" port ]
 *   scheme  = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
 *   host    = "[" 1*( HEXDIG / ":" / "." ) "]"      ; holding a ':'
 *           / label *( "." label ) [ "." ]          ; 253 characters at most,
 *                                                   ; the final dot not counted
 *   label   = 1*63( ALPHA / DIGIT / "-" / "_" / "~" )
 *   port    = 1*DIGIT                               ; 1 to 65535
 *
 * and in the configuration (patterns) also "*." before a host that is not
 * in brackets and has two labels or more, or is "localhost", and "*" as
 * the port.  Normalised: scheme and host lower-case, the port in decimal
 * without leading zeros, ":80" dropped for http and ":443" for https.
 * A final dot (a fully qualified host, "example.com.") is part of the host:
 * another origin than the one without it.
 *
 * In the configuration only (ref_rule_problem), after the grammar: a value
 * holding ',' is refused first; then a host that WHATWG URL parsing takes
 * for an IP address (ref_ip_host) must be written as browsers serialise it
 * (four decimal octets; IPv6 compressed, lower-case), never after "*.".
 */

#ifndef MOD_CORS_FUZZ_REF_ORIGIN_H
#define MOD_CORS_FUZZ_REF_ORIGIN_H

#include "fuzz.h"

#define REF_PORT_NONE 0
#define REF_PORT_ANY  (-1)

typedef struct {
    const char *scheme;       /* lower-case */
    const char *host;         /* lower-case, after "*.", brackets kept */
    int subdomains;
    int port;                 /* REF_PORT_NONE, REF_PORT_ANY or 1-65535 */
    const char *normalised;
} ref_origin;

static inline int ref_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int ref_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline char *ref_lower(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_pstrmemdup(p, s, len);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (out[i] >= 'A' && out[i] <= 'Z') {
            out[i] += 'a' - 'A';
        }
    }
    return out;
}

static inline int ref_valid_ipv6(const char *s, apr_size_t len)
{
    apr_size_t i;
    int colon = 0;

    /* s includes the brackets */
    if (len < 3 || s[0] != '[' || s[len - 1] != ']') {
        return 0;
    }
    for (i = 1; i < len - 1; i++) {
        char c = s[i];
        if (c == ':') {
            colon = 1;
        }
        else if (!(ref_is_digit(c) || (c >= 'a' && c <= 'f')
                   || (c >= 'A' && c <= 'F') || c == '.')) {
            return 0;
        }
    }
    return colon;
}

/* Labels of 1 to 63 characters separated by single dots, 253 characters in
 * all (DNS's limits); returns how many, 0 when invalid. */
static inline int ref_count_labels(const char *s, apr_size_t len)
{
    apr_size_t i, label = 0;
    int labels = 0;

    if (len > 253) {
        return 0;
    }
    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (label == 0 || label > 63) {
                return 0;
            }
            labels++;
            label = 0;
        }
        else if (ref_is_alpha(s[i]) || ref_is_digit(s[i]) || s[i] == '-'
                 || s[i] == '_' || s[i] == '~') {
            label++;
        }
        else {
            return 0;
        }
    }
    return labels;
}

static inline int ref_parse_origin(apr_pool_t *p, const char *s, int patterns,
                                   ref_origin *r)
{
    const char *sep = strstr(s, "://"), *rest, *host, *host_end, *port;
    apr_size_t i, scheme_len;

    memset(r, 0, sizeof(*r));
    if (!sep || sep == s || !ref_is_alpha(s[0])) {
        return 0;
    }
    scheme_len = sep - s;
    for (i = 0; i < scheme_len; i++) {
        if (!(ref_is_alpha(s[i]) || ref_is_digit(s[i]) || s[i] == '+'
              || s[i] == '-' || s[i] == '.')) {
            return 0;
        }
    }
    rest = sep + 3;
    if (strpbrk(rest, "/?#@")) {
        return 0;
    }

    host = rest;
    if (*rest == '[') {
        const char *close = strchr(rest, ']');
        if (!close) {
            return 0;
        }
        host_end = close + 1;
        if (*host_end && *host_end != ':') {
            return 0;
        }
        if (!ref_valid_ipv6(host, host_end - host)) {
            return 0;
        }
    }
    else {
        int labels;
        apr_size_t name_len;
        host_end = strchr(rest, ':');
        if (!host_end) {
            host_end = rest + strlen(rest);
        }
        if (patterns && host_end - host >= 2 && host[0] == '*'
            && host[1] == '.') {
            r->subdomains = 1;
            host += 2;
        }
        /* one final dot: a fully qualified name */
        name_len = host_end - host;
        if (name_len && host[name_len - 1] == '.') {
            name_len--;
        }
        labels = ref_count_labels(host, name_len);
        if (!labels) {
            return 0;
        }
        if (r->subdomains && labels == 1
            && !fuzz_ascii_caseeq(host, name_len, "localhost", 9)) {
            return 0;
        }
    }

    r->port = REF_PORT_NONE;
    if (*host_end == ':') {
        port = host_end + 1;
        if (patterns && !strcmp(port, "*")) {
            r->port = REF_PORT_ANY;
        }
        else {
            long value = 0;
            if (!*port) {
                return 0;
            }
            for (i = 0; port[i]; i++) {
                if (!ref_is_digit(port[i])) {
                    return 0;
                }
                if (value < 100000) {
                    value = value * 10 + (port[i] - '0');
                }
            }
            if (value < 1 || value > 65535) {
                return 0;
            }
            r->port = (int)value;
        }
    }

    r->scheme = ref_lower(p, s, scheme_len);
    r->host = ref_lower(p, host, host_end - host);
    if ((r->port == 80 && !strcmp(r->scheme, "http"))
        || (r->port == 443 && !strcmp(r->scheme, "https"))) {
        r->port = REF_PORT_NONE;
    }
    r->normalised = apr_psprintf(p, "%s://%s%s%s", r->scheme,
                                 r->subdomains ? "*." : "", r->host,
                                 r->port == REF_PORT_ANY ? ":*"
                                 : r->port ? apr_psprintf(p, ":%d", r->port)
                                 : "");
    return 1;
}

/* Whether a configured rule (patterns) admits a browser's origin. */
static inline int ref_rule_matches(const ref_origin *rule,
                                   const ref_origin *origin)
{
    apr_size_t hl, sl;

    if (strcmp(rule->scheme, origin->scheme)) {
        return 0;
    }
    if (rule->port != REF_PORT_ANY && rule->port != origin->port) {
        return 0;
    }
    if (!rule->subdomains) {
        return !strcmp(rule->host, origin->host);
    }
    hl = strlen(origin->host);
    sl = strlen(rule->host);
    /* one or more labels, then "." and the suffix */
    return origin->host[0] != '[' && hl > sl + 1
           && origin->host[hl - sl - 1] == '.'
           && !strcmp(origin->host + hl - sl, rule->host);
}

/* ------------------------------------------------------------------ */
/* IP hosts as browsers write them: WHATWG URL, "host parsing" and     */
/* "host serializing", read again here without mod_cors's code.        */
/* ------------------------------------------------------------------ */

#define REF_HOST_NAME        0   /* not an IP address: a domain name */
#define REF_HOST_IP          1   /* an IP address; *text its serialisation */
#define REF_HOST_IP_INVALID  2   /* URL parsing fails on it */

/* The digit c stands for in base radix, or -1. */
static inline int ref_digit(int c, int radix)
{
    static const char digits[] = "0123456789abcdef";
    const char *d;

    if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
    }
    d = c ? strchr(digits, c) : NULL;
    return d && d - digits < radix ? (int)(d - digits) : -1;
}

/* WHATWG "IPv4 number parser": "0x"/"0X" then hex (maybe nothing), "0"
 * then octal, else decimal; the value saturates above 2^40. */
static inline int ref_ipv4_number(const char *s, apr_size_t len,
                                  unsigned long long *value)
{
    int radix = 10;
    apr_size_t i = 0;

    if (len == 0) {
        return 0;
    }
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        radix = 16;
        i = 2;
    }
    else if (len >= 2 && s[0] == '0') {
        radix = 8;
        i = 1;
    }
    *value = 0;
    for (; i < len; i++) {
        int d = ref_digit((unsigned char)s[i], radix);
        if (d < 0) {
            return 0;
        }
        *value = *value * radix + d;
        if (*value > (1ULL << 40)) {
            *value = (1ULL << 40) + 1;
        }
    }
    return 1;
}

/* The dot-separated parts of a host; returns how many, or max + 1 when
 * there are more than max.  (The IPv4 parser and the "ends in a number"
 * checker drop a final empty part first: their callers strip a final dot.) */
static inline int ref_split_dots(const char *s, apr_size_t len,
                                 const char **part, apr_size_t *part_len,
                                 int max)
{
    int n = 0;
    apr_size_t i, start = 0;

    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (n == max) {
                return max + 1;
            }
            part[n] = s + start;
            part_len[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

/* WHATWG "ends in a number checker". */
static inline int ref_ends_in_number(const char *s, apr_size_t len)
{
    const char *last = s;
    apr_size_t last_len, i;
    unsigned long long v;

    if (len && s[len - 1] == '.') {
        len--;          /* a final empty part is dropped */
    }
    for (i = 0; i < len; i++) {
        if (s[i] == '.') {
            last = s + i + 1;
        }
    }
    last_len = s + len - last;
    for (i = 0; i < last_len && ref_is_digit(last[i]); i++)
        ;
    if (last_len && i == last_len) {
        return 1;
    }
    return ref_ipv4_number(last, last_len, &v);
}

/* WHATWG "IPv4 parser", then "IPv4 serializer". */
static inline int ref_ipv4(apr_pool_t *p, const char *s, apr_size_t len,
                           const char **text)
{
    const char *part[5];
    apr_size_t part_len[5];
    unsigned long long n[4], address;
    int count, i;

    if (len && s[len - 1] == '.') {
        len--;          /* a final empty part is dropped */
    }
    count = ref_split_dots(s, len, part, part_len, 4);
    if (count > 4) {
        return 0;
    }
    for (i = 0; i < count; i++) {
        if (!ref_ipv4_number(part[i], part_len[i], &n[i])) {
            return 0;
        }
        if (i < count - 1 && n[i] > 255) {
            return 0;
        }
    }
    /* the last part fills the octets the others leave */
    if (n[count - 1] >= (1ULL << (8 * (5 - count)))) {
        return 0;
    }
    address = n[count - 1];
    for (i = 0; i < count - 1; i++) {
        address += n[i] << (8 * (3 - i));
    }
    *text = apr_psprintf(p, "%u.%u.%u.%u", (unsigned)(address >> 24) & 255,
                         (unsigned)(address >> 16) & 255,
                         (unsigned)(address >> 8) & 255,
                         (unsigned)address & 255);
    return 1;
}

/* One side of "::" (or the whole address): 1-4 hex digits between single
 * colons, the very last group of the address maybe a dotted IPv4 of four
 * decimal octets without leading zeros (two pieces).  Appends to pieces;
 * returns 0 when invalid. */
static inline int ref_ipv6_groups(const char *s, apr_size_t len, int last,
                                  unsigned pieces[10], int *n)
{
    apr_size_t start = 0, i;

    if (len == 0) {
        return 1;
    }
    for (i = 0; i <= len; i++) {
        apr_size_t g, glen;
        unsigned value = 0;

        if (i < len && s[i] != ':') {
            continue;
        }
        g = start;
        glen = i - start;
        start = i + 1;
        if (glen == 0 || *n >= 9) {
            return 0;
        }
        if (memchr(s + g, '.', glen)) {
            /* dotted: only as the address's final group */
            const char *part[5];
            apr_size_t part_len[5], k;
            int parts, j;
            unsigned octets[4];

            if (i != len || !last) {
                return 0;
            }
            parts = ref_split_dots(s + g, glen, part, part_len, 4);
            if (parts != 4 || s[g + glen - 1] == '.') {
                return 0;
            }
            for (j = 0; j < 4; j++) {
                if (part_len[j] == 0 || part_len[j] > 3
                    || (part_len[j] > 1 && part[j][0] == '0')) {
                    return 0;
                }
                octets[j] = 0;
                for (k = 0; k < part_len[j]; k++) {
                    if (!ref_is_digit(part[j][k])) {
                        return 0;
                    }
                    octets[j] = octets[j] * 10 + (part[j][k] - '0');
                }
                if (octets[j] > 255) {
                    return 0;
                }
            }
            pieces[(*n)++] = octets[0] << 8 | octets[1];
            pieces[(*n)++] = octets[2] << 8 | octets[3];
            continue;
        }
        if (glen > 4) {
            return 0;
        }
        for (; g < i; g++) {
            int d = ref_digit((unsigned char)s[g], 16);
            if (d < 0) {
                return 0;
            }
            value = value * 16 + d;
        }
        pieces[(*n)++] = value;
    }
    return 1;
}

/* WHATWG "IPv6 parser" (as a grammar: groups around at most one "::",
 * which stands for one zero piece or more), then "IPv6 serializer": the
 * first longest run of two zero pieces or more as "::", lower-case hex
 * without leading zeros.  s is between the brackets. */
static inline int ref_ipv6(apr_pool_t *p, const char *s, apr_size_t len,
                           const char **text)
{
    unsigned left[10], right[10], pieces[8];
    int nl = 0, nr = 0, i, best = -1, best_len = 1;
    const char *dc = NULL;
    apr_size_t k;
    char *out;

    for (k = 0; k + 1 < len; k++) {
        if (s[k] == ':' && s[k + 1] == ':') {
            dc = s + k;
            break;
        }
    }
    if (dc) {
        if (!ref_ipv6_groups(s, dc - s, 0, left, &nl)
            || !ref_ipv6_groups(dc + 2, s + len - dc - 2, 1, right, &nr)
            || nl + nr > 7) {
            return 0;
        }
        for (i = 0; i < 8; i++) {
            pieces[i] = i < nl ? left[i]
                        : i >= 8 - nr ? right[i - (8 - nr)] : 0;
        }
    }
    else {
        if (!ref_ipv6_groups(s, len, 1, left, &nl) || nl != 8) {
            return 0;
        }
        memcpy(pieces, left, sizeof(pieces));
    }

    for (i = 0; i < 8; i++) {
        int run = 0;
        while (i + run < 8 && pieces[i + run] == 0) {
            run++;
        }
        if (run > best_len) {
            best = i;
            best_len = run;
        }
    }
    out = apr_pstrdup(p, "[");
    for (i = 0; i < 8; i++) {
        if (i == best) {
            out = apr_pstrcat(p, out, "::", NULL);
            i += best_len - 1;
            continue;
        }
        out = apr_psprintf(p, "%s%s%x", out,
                           (i == 0 || i == best + best_len) ? "" : ":",
                           pieces[i]);
    }
    *text = apr_pstrcat(p, out, "]", NULL);
    return 1;
}

/* Whether URL parsing takes a host (as in ref_origin.host: after "*.",
 * brackets kept) for an IP address; *text is then how it is written. */
static inline int ref_ip_host(apr_pool_t *p, const char *host,
                              const char **text)
{
    apr_size_t len = strlen(host);

    *text = NULL;
    if (host[0] == '[') {
        return ref_ipv6(p, host + 1, len - 2, text) ? REF_HOST_IP
                                                    : REF_HOST_IP_INVALID;
    }
    if (!ref_ends_in_number(host, len)) {
        return REF_HOST_NAME;
    }
    return ref_ipv4(p, host, len, text) ? REF_HOST_IP : REF_HOST_IP_INVALID;
}

#define REF_RULE_OK          0
#define REF_RULE_COMMA       1   /* "is a comma-separated list" */
#define REF_RULE_GRAMMAR     2   /* ref_parse_origin refuses it */
#define REF_RULE_IP_INVALID  3
#define REF_RULE_IP_PATTERN  4   /* "*." before an IP address */
#define REF_RULE_IP_SPELLING 5   /* *suggest: the origin to write */

/* What cors_origin_set_add should make of a configured value. */
static inline int ref_rule_problem(apr_pool_t *p, const char *value,
                                   ref_origin *r, const char **suggest)
{
    const char *text;
    int ip;

    *suggest = NULL;
    memset(r, 0, sizeof(*r));
    if (!strcmp(value, "*") || !strcmp(value, "null")) {
        return REF_RULE_OK;
    }
    if (strchr(value, ',')) {
        return REF_RULE_COMMA;
    }
    if (!ref_parse_origin(p, value, 1, r)) {
        return REF_RULE_GRAMMAR;
    }
    ip = ref_ip_host(p, r->host, &text);
    if (ip == REF_HOST_IP_INVALID) {
        return REF_RULE_IP_INVALID;
    }
    if (ip == REF_HOST_IP && r->subdomains) {
        return REF_RULE_IP_PATTERN;
    }
    if (ip == REF_HOST_IP && strcmp(text, r->host)) {
        *suggest = apr_psprintf(p, "%s://%s%s", r->scheme, text,
                                r->port == REF_PORT_ANY ? ":*"
                                : r->port ? apr_psprintf(p, ":%d", r->port)
                                : "");
        return REF_RULE_IP_SPELLING;
    }
    return REF_RULE_OK;
}

#endif /* MOD_CORS_FUZZ_REF_ORIGIN_H */
