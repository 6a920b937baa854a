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
 *           / label *( "." label )                  ; 253 characters at most
 *   label   = 1*63( ALPHA / DIGIT / "-" / "_" / "~" )
 *   port    = 1*DIGIT                               ; 1 to 65535
 *
 * and in the configuration (patterns) also "*." before a host that is not
 * in brackets and has two labels or more, or is "localhost", and "*" as
 * the port.  Normalised: scheme and host lower-case, the port in decimal
 * without leading zeros, ":80" dropped for http and ":443" for https.
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
        host_end = strchr(rest, ':');
        if (!host_end) {
            host_end = rest + strlen(rest);
        }
        if (patterns && host_end - host >= 2 && host[0] == '*'
            && host[1] == '.') {
            r->subdomains = 1;
            host += 2;
        }
        labels = ref_count_labels(host, host_end - host);
        if (!labels) {
            return 0;
        }
        if (r->subdomains && labels == 1
            && !fuzz_ascii_caseeq(host, host_end - host, "localhost", 9)) {
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

#endif /* MOD_CORS_FUZZ_REF_ORIGIN_H */
