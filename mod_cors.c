/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * mod_cors: the server side of the CORS protocol (WHATWG Fetch, "CORS
 * protocol" and "CORS-preflight fetch") for Apache httpd 2.4.
 *
 *   CORSAllowOrigin https://app.example.com
 *   CORSAllowMethods GET POST PUT
 *   CORSAllowHeaders Content-Type Authorization
 *   CORSAllowCredentials On
 *
 * Every origin rule, method and header name is parsed and normalised when
 * the configuration is read.  Where each answer is made:
 *
 * - header_parser, the first hook that sees the merged per-directory (and
 *   .htaccess) configuration and still runs before authentication, decides
 *   once for the request the client sent.  It answers preflights itself
 *   (DONE, after running insert_filter so that the answer gets the filters
 *   of every response: mod_headers' "Header always" and mod_cors's own),
 *   refuses disallowed origins under CORSRejectDisallowed and WebSocket
 *   handshakes from origins the rules do not allow.
 * - One output filter, of type AP_FTYPE_CONTENT_SET and inserted after
 *   mod_headers' (insert_filter, and insert_error_filter for the responses
 *   httpd makes itself), writes the fields and Vary on every response.  It
 *   runs before mod_cache's save filter, so a stored response carries the
 *   answer of its URL's configuration and Vary: Origin wherever that answer
 *   depends on the Origin.
 * - A response that a quick handler answers (mod_cache's hits under
 *   CacheQuickHandler On, served before the per-directory configuration is
 *   known) is not decided again: it keeps the fields stored with it, which a
 *   cache replays only to requests with the same Origin.
 * - Internal redirects, ErrorDocument and DirectoryIndex share the decision
 *   made for the URL the client asked for.
 * - The origin files of CORSAllowOriginFile are live: each process looks at
 *   them once a second and takes in a new version that parses, and a
 *   request keeps the version it first consulted (section "Origin files:
 *   live lists").
 */

#include "apr_dbm.h"
#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#define APR_WANT_STRFUNC
#include "apr_want.h"

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "ap_mpm.h"
#include "mpm_common.h"
#include "ap_regex.h"

#include "mod_status.h"
#include "apr_atomic.h"
#include "apr_optional.h"
#include "apr_shm.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

module AP_MODULE_DECLARE_DATA cors_module;

APLOG_USE_MODULE(cors);

#define CORS_UNSET (-1)

/* Fetch's limits are the browsers' own; these bound what a preflight may ask. */
#define CORS_MAX_REQUEST_HEADERS       64
#define CORS_MAX_REQUEST_HEADERS_BYTES 4096

#define CORS_PORT_NONE 0
#define CORS_PORT_ANY  (-1)

#define CORS_FILTER_NAME "CORS"

static ap_filter_rec_t *cors_filter_handle;

/* --------------------------------------------------------------------- */
/* Configuration                                                          */
/* --------------------------------------------------------------------- */

/* A key of an origin set: a normalised exact origin or pattern. */
typedef struct {
    const char *key;                    /* NULL: the slot is free */
    apr_uint32_t len;
    unsigned int hash : 31;
    unsigned int pattern : 1;
} cors_origin_slot;

/* The origins of one CORSAllowOrigin list or of the CORSAllowOriginFile
 * lists of one section.  Exact origins and patterns share one open-address
 * table (a pattern's key holds a '*', which no browser-sent origin can):
 * a request's look-up is a hash and, mostly, one comparison. */
typedef struct {
    cors_origin_slot *slots;
    apr_uint32_t mask;   /* slots - 1: a power of two, at most 3/4 used */
    apr_uint32_t count;
    int any;             /* "*" */
    int opaque;          /* "null" */
    int has_patterns;
    int pattern_labels;  /* labels after the "*." of the longest pattern */
} cors_origin_set;

typedef struct {
    const char *name;
    apr_size_t len;
} cors_span;

/* A CORSAllowMethods, CORSAllowHeaders or CORSExposeHeaders list. */
typedef struct {
    int any;                      /* "*" */
    int exact;                    /* methods: names compare byte for byte */
    unsigned int normalised;      /* methods: bit i for the i-th of the six
                                   * that Fetch normalises */
    apr_array_header_t *names;    /* cors_span: methods as written, header
                                   * names in lower case, as browsers send
                                   * them */
    const char *value;            /* the names as written, joined by ", " */
} cors_token_list;

typedef struct {
    cors_origin_set *origins;           /* CORSAllowOrigin */
    apr_array_header_t *origin_files;   /* cors_live_list *, CORSAllowOriginFile */
    apr_array_header_t *origin_regexes; /* ap_regex_t *, CORSAllowOriginRegex */
    cors_token_list *methods;
    cors_token_list *headers;
    cors_token_list *expose;
    const char *max_age;                /* validated decimal, NULL: unset */
    int credentials;
    int preflight_status;
    int preflight_passthrough;
    int private_network;
    int reject_disallowed;
    int replace_backend_headers;
    int enable;
    int check_websocket_origin;
    int report_only;
    int timing_allow_origin;
} cors_dir_conf;

static void *create_cors_dir_config(apr_pool_t *p, char *dir)
{
    cors_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;

    conf->credentials = CORS_UNSET;
    conf->preflight_status = CORS_UNSET;
    conf->preflight_passthrough = CORS_UNSET;
    conf->private_network = CORS_UNSET;
    conf->reject_disallowed = CORS_UNSET;
    conf->replace_backend_headers = CORS_UNSET;
    conf->enable = CORS_UNSET;
    conf->check_websocket_origin = CORS_UNSET;
    conf->report_only = CORS_UNSET;
    conf->timing_allow_origin = CORS_UNSET;
    return conf;
}

/* A section that sets a directive replaces what it would inherit, lists
 * as a whole; one that does not set it inherits.  The three origin rules
 * are one setting: a section that sets any of them replaces all three, so
 * that a <Location> listing one origin never also admits its virtual
 * host's regex or file. */
static void *merge_cors_dir_config(apr_pool_t *p, void *basev, void *addv)
{
    cors_dir_conf *base = basev, *add = addv;
    cors_dir_conf *conf = apr_palloc(p, sizeof(*conf));

#define CORS_MERGE_PTR(field) \
    conf->field = add->field ? add->field : base->field
#define CORS_MERGE_INT(field) \
    conf->field = (add->field != CORS_UNSET) ? add->field : base->field

    if (add->origins || add->origin_files || add->origin_regexes) {
        conf->origins = add->origins;
        conf->origin_files = add->origin_files;
        conf->origin_regexes = add->origin_regexes;
    }
    else {
        conf->origins = base->origins;
        conf->origin_files = base->origin_files;
        conf->origin_regexes = base->origin_regexes;
    }
    CORS_MERGE_PTR(methods);
    CORS_MERGE_PTR(headers);
    CORS_MERGE_PTR(expose);
    CORS_MERGE_PTR(max_age);
    CORS_MERGE_INT(credentials);
    CORS_MERGE_INT(preflight_status);
    CORS_MERGE_INT(preflight_passthrough);
    CORS_MERGE_INT(private_network);
    CORS_MERGE_INT(reject_disallowed);
    CORS_MERGE_INT(replace_backend_headers);
    CORS_MERGE_INT(enable);
    CORS_MERGE_INT(check_websocket_origin);
    CORS_MERGE_INT(report_only);
    CORS_MERGE_INT(timing_allow_origin);

#undef CORS_MERGE_PTR
#undef CORS_MERGE_INT
    return conf;
}

/* --------------------------------------------------------------------- */
/* Origins: parsing, normalising, matching.  Pure functions of their      */
/* inputs over APR, shared by the directives and the request path.        */
/* --------------------------------------------------------------------- */

typedef enum {
    CORS_ORIGIN_OK,
    CORS_ORIGIN_EMPTY,
    CORS_ORIGIN_NO_SCHEME,
    CORS_ORIGIN_BAD_SCHEME,
    CORS_ORIGIN_USERINFO,
    CORS_ORIGIN_EMPTY_HOST,
    CORS_ORIGIN_TRAILING_SLASH,
    CORS_ORIGIN_PATH,
    CORS_ORIGIN_QUERY,
    CORS_ORIGIN_FRAGMENT,
    CORS_ORIGIN_NON_ASCII,
    CORS_ORIGIN_BAD_HOST,
    CORS_ORIGIN_BAD_PORT,
    CORS_ORIGIN_PORT_RANGE,
    CORS_ORIGIN_BAD_WILDCARD,
    CORS_ORIGIN_WILDCARD_TLD
} cors_origin_status;

/* An origin, scheme://host[:port], or in the configuration a pattern: "*."
 * before the host (subdomains) or "*" as the port.  Spans point into the
 * parsed text. */
typedef struct {
    apr_size_t scheme_len;
    const char *host;          /* after a pattern's "*." */
    apr_size_t host_len;
    int port;                  /* CORS_PORT_NONE, CORS_PORT_ANY or 1-65535 */
    int labels;                /* of host */
    int subdomains;            /* "*." stood before host */
    int canonical;             /* lower-case, no default or zero-padded port */
    apr_size_t origin_len;     /* on a path, query or fragment: the part before */
} cors_origin_parts;

/* Character classes, one table look-up a byte: every request's Origin is
 * parsed, and <ctype.h> costs a function call a byte. */
#define CORS_SCHEME_CHAR 0x01     /* ALPHA DIGIT + - . */
#define CORS_HOST_CHAR   0x02     /* ALPHA DIGIT - _ ~ */
#define CORS_TOKEN_CHAR  0x04     /* tchar of RFC 9110 */
#define CORS_UPPER_CHAR  0x08
#define CORS_HEX_CHAR    0x10
#define CORS_PATH_CHAR   0x20     /* / ? #: the authority ends */
#define CORS_SERIALISED_HOST_CHAR 0x40  /* a host character browsers send:
                                         * not upper case */

#define CORS_IS_UPPER(c) ((c) >= 'A' && (c) <= 'Z')
#define CORS_IS_ALPHA(c) (CORS_IS_UPPER(c) || ((c) >= 'a' && (c) <= 'z'))
#define CORS_IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define CORS_IS_ALNUM(c) (CORS_IS_ALPHA(c) || CORS_IS_DIGIT(c))
#define CORS_CLASS(c) \
    ((CORS_IS_ALNUM(c) || (c) == '+' || (c) == '-' || (c) == '.' \
      ? CORS_SCHEME_CHAR : 0) \
     | (CORS_IS_ALNUM(c) || (c) == '-' || (c) == '_' || (c) == '~' \
        ? CORS_HOST_CHAR : 0) \
     | (CORS_IS_ALNUM(c) || (c) == '!' || (c) == '#' || (c) == '$' \
        || (c) == '%' || (c) == '&' || (c) == '\'' || (c) == '*' \
        || (c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' \
        || (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~' \
        ? CORS_TOKEN_CHAR : 0) \
     | (CORS_IS_UPPER(c) ? CORS_UPPER_CHAR : 0) \
     | (CORS_IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') \
        || ((c) >= 'A' && (c) <= 'F') ? CORS_HEX_CHAR : 0) \
     | ((c) == '/' || (c) == '?' || (c) == '#' ? CORS_PATH_CHAR : 0) \
     | ((CORS_IS_ALNUM(c) && !CORS_IS_UPPER(c)) || (c) == '-' || (c) == '_' \
        || (c) == '~' ? CORS_SERIALISED_HOST_CHAR : 0))
#define CORS_CLASS4(c) CORS_CLASS(c), CORS_CLASS((c) + 1), \
                       CORS_CLASS((c) + 2), CORS_CLASS((c) + 3)
#define CORS_CLASS16(c) CORS_CLASS4(c), CORS_CLASS4((c) + 4), \
                        CORS_CLASS4((c) + 8), CORS_CLASS4((c) + 12)
#define CORS_CLASS64(c) CORS_CLASS16(c), CORS_CLASS16((c) + 16), \
                        CORS_CLASS16((c) + 32), CORS_CLASS16((c) + 48)

static const unsigned char cors_char_class[256] = {
    CORS_CLASS64(0), CORS_CLASS64(64), CORS_CLASS64(128), CORS_CLASS64(192)
};

#define CORS_CHAR_IS(c, class) (cors_char_class[(unsigned char)(c)] & (class))
#define CORS_LOWER(c) (CORS_CHAR_IS(c, CORS_UPPER_CHAR) ? (c) + ('a' - 'A') : (c))

/* Whether len bytes at a equal those at b, each of a's ORed with fold's:
 * eight, four or two at a time, the last ones overlapping, where memcmp
 * would be a call for a short name.  A fold of 0x20 bytes (CORS_FOLD_CASE)
 * compares a field name, a token, with one written in lower-case letters
 * and '-': "| 0x20" maps to those only their upper and lower case. */
static APR_INLINE int cors_words_equal(const char *a, const char *b,
                                        apr_size_t len, apr_uint64_t fold)
{
    apr_uint64_t x, y;
    apr_uint32_t u, v;
    apr_size_t i;

    if (len >= 8) {
        for (i = 0; i + 8 < len; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if ((x | fold) != y) {
                return 0;
            }
        }
        memcpy(&x, a + len - 8, 8);
        memcpy(&y, b + len - 8, 8);
        return (x | fold) == y;
    }
    if (len >= 4) {
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        if ((u | (apr_uint32_t)fold) != v) {
            return 0;
        }
        memcpy(&u, a + len - 4, 4);
        memcpy(&v, b + len - 4, 4);
        return (u | (apr_uint32_t)fold) == v;
    }
    if (len >= 2) {
        apr_uint16_t s, t;
        memcpy(&s, a, 2);
        memcpy(&t, b, 2);
        if ((apr_uint16_t)(s | (apr_uint16_t)fold) != t) {
            return 0;
        }
        memcpy(&s, a + len - 2, 2);
        memcpy(&t, b + len - 2, 2);
        return (apr_uint16_t)(s | (apr_uint16_t)fold) == t;
    }
    return !len || (char)(a[0] | (char)fold) == b[0];
}

#define CORS_FOLD_CASE APR_UINT64_C(0x2020202020202020)

/* The length of the scheme of an origin written "https://..." (5) or
 * "http://..." (4), as browsers send nearly every one; 0 for another. */
static APR_INLINE apr_size_t cors_http_scheme_len(const char *s,
                                                  apr_size_t len)
{
    return len > 8 && cors_words_equal(s, "https://", 8, 0) ? 5
           : len > 7 && cors_words_equal(s, "http://", 7, 0) ? 4 : 0;
}

static int cors_default_port(const char *scheme, apr_size_t len)
{
    if (len == 4 && !ap_cstr_casecmpn(scheme, "http", 4)) {
        return 80;
    }
    if (len == 5 && !ap_cstr_casecmpn(scheme, "https", 5)) {
        return 443;
    }
    return CORS_PORT_NONE;
}

static cors_origin_status cors_parse_host(const char *host, apr_size_t len,
                                          int patterns,
                                          cors_origin_parts *o)
{
    apr_size_t i, name_len, label_len = 0;
    int labels = 1;
    unsigned char seen = 0;

    if (len == 0) {
        return CORS_ORIGIN_EMPTY_HOST;
    }
    if (host[0] == '[') {
        /* An IPv6 literal, as browsers serialise it: hex digits, ':' and
         * '.' in brackets. */
        if (len < 3 || host[len - 1] != ']' || !memchr(host, ':', len)) {
            return CORS_ORIGIN_BAD_HOST;
        }
        for (i = 1; i < len - 1; i++) {
            unsigned char c = host[i];
            if (c >= 0x80) {
                return CORS_ORIGIN_NON_ASCII;
            }
            if (!CORS_CHAR_IS(c, CORS_HEX_CHAR) && c != ':' && c != '.') {
                return CORS_ORIGIN_BAD_HOST;
            }
            if (CORS_CHAR_IS(c, CORS_UPPER_CHAR)) {
                o->canonical = 0;
            }
        }
        o->host = host;
        o->host_len = len;
        return CORS_ORIGIN_OK;
    }
    if (patterns && len >= 2 && host[0] == '*' && host[1] == '.') {
        o->subdomains = 1;
        host += 2;
        len -= 2;
    }
    /* A fully qualified host ends with a dot ("example.com."): browsers send
     * it as the address bar shows it, so it is a host, one label shorter. */
    name_len = len;
    if (len > 1 && host[len - 1] == '.') {
        name_len--;
    }
    for (i = 0; i < name_len; i++) {
        unsigned char c = host[i];
        unsigned char class = cors_char_class[c];
        if (class & CORS_HOST_CHAR) {
            seen |= class;
            label_len++;
        }
        else if (c == '.') {
            if (label_len == 0 || label_len > 63) {
                return CORS_ORIGIN_BAD_HOST;
            }
            label_len = 0;
            labels++;
        }
        else if (c >= 0x80) {
            return CORS_ORIGIN_NON_ASCII;
        }
        else {
            return c == '*' ? CORS_ORIGIN_BAD_WILDCARD : CORS_ORIGIN_BAD_HOST;
        }
    }
    if (seen & CORS_UPPER_CHAR) {
        o->canonical = 0;
    }
    if (label_len > 63) {
        return CORS_ORIGIN_BAD_HOST;
    }
    if (label_len == 0) {
        return len ? CORS_ORIGIN_BAD_HOST : CORS_ORIGIN_EMPTY_HOST;
    }
    if (name_len > 253) {
        return CORS_ORIGIN_BAD_HOST;
    }
    /* "*.com" would admit every site under a top-level domain. */
    if (o->subdomains && labels == 1
        && !(name_len == 9 && !ap_cstr_casecmpn(host, "localhost", 9))) {
        return CORS_ORIGIN_WILDCARD_TLD;
    }
    o->host = host;
    o->host_len = len;
    o->labels = labels;
    return CORS_ORIGIN_OK;
}

static cors_origin_status cors_parse_port(const char *s, apr_size_t len,
                                          int patterns,
                                          cors_origin_parts *o)
{
    apr_size_t i;
    long port = 0;

    if (len == 1 && s[0] == '*' && patterns) {
        o->port = CORS_PORT_ANY;
        return CORS_ORIGIN_OK;
    }
    if (len == 0) {
        return CORS_ORIGIN_BAD_PORT;
    }
    for (i = 0; i < len; i++) {
        if (s[i] == '*') {
            return patterns ? CORS_ORIGIN_BAD_PORT : CORS_ORIGIN_BAD_WILDCARD;
        }
        if (!CORS_IS_DIGIT(s[i])) {
            return CORS_ORIGIN_BAD_PORT;
        }
        if (port <= 65535) {
            port = port * 10 + (s[i] - '0');
        }
    }
    if (port < 1 || port > 65535) {
        return CORS_ORIGIN_PORT_RANGE;
    }
    if (s[0] == '0') {
        o->canonical = 0;
    }
    o->port = (int)port;
    return CORS_ORIGIN_OK;
}

/* An origin as browsers serialise it: "http://" or "https://", a host
 * name in lower case, and a port only when it is not the default one,
 * without leading zeros.  Parsed in one pass: every request's Origin is.
 * Returns 0 for anything else (a trailing dot, an IPv6 literal, another
 * scheme, ...), which cors_parse_origin then parses whole; the parts of
 * what this accepts are those cors_parse_origin would give. */
static int cors_parse_serialised_origin(const char *s, apr_size_t len,
                                        cors_origin_parts *o)
{
    const char *end = s + len, *host, *label, *p;
    apr_size_t scheme_len = cors_http_scheme_len(s, len), host_len;
    int labels = 0, default_port = scheme_len == 5 ? 443 : 80;
    long port = 0;

    if (!scheme_len) {
        return 0;
    }
    host = p = s + scheme_len + 3;
    /* Label by label: a dot ends a label, anything else the host. */
    for (;;) {
        label = p;
        while (p < end && CORS_CHAR_IS(*p, CORS_SERIALISED_HOST_CHAR)) {
            p++;
        }
        if (p == label || p - label > 63) {
            return 0;
        }
        labels++;
        if (p == end || *p != '.') {
            break;
        }
        p++;
    }
    host_len = p - host;
    if (host_len > 253) {
        return 0;
    }
    if (p < end) {
        if (*p != ':' || end - p < 2 || end - p > 6 || p[1] == '0') {
            return 0;
        }
        for (p++; p < end; p++) {
            if (!CORS_IS_DIGIT(*p)) {
                return 0;
            }
            port = port * 10 + (*p - '0');
        }
        if (port > 65535 || port == default_port) {
            return 0;
        }
    }
    /* Only now: what refuses leaves o as cors_parse_origin set it. */
    o->scheme_len = scheme_len;
    o->host = host;
    o->host_len = host_len;
    o->labels = labels;
    o->port = port ? (int)port : CORS_PORT_NONE;
    return 1;
}

/* Parses an origin; with patterns, also "*." before the host and "*" as
 * the port.  The default port of http and https is dropped. */
static cors_origin_status cors_parse_origin(const char *s, apr_size_t len,
                                            int patterns,
                                            cors_origin_parts *o)
{
    const char *end = s + len, *authority, *authority_end, *p, *port;
    cors_origin_status status;
    unsigned char seen = 0;

    memset(o, 0, sizeof(*o));
    o->canonical = 1;
    if (len == 0) {
        return CORS_ORIGIN_EMPTY;
    }
    if (!patterns && cors_parse_serialised_origin(s, len, o)) {
        return CORS_ORIGIN_OK;
    }

    for (p = s; p < end && CORS_CHAR_IS(*p, CORS_SCHEME_CHAR); p++) {
        seen |= cors_char_class[(unsigned char)*p];
    }
    if (seen & CORS_UPPER_CHAR) {
        o->canonical = 0;
    }
    if (p == s || end - p < 3 || memcmp(p, "://", 3)) {
        /* Not a scheme then "://": was there a "://" after other text? */
        for (p = s + 1; end - p >= 3 && memcmp(p, "://", 3); p++)
            ;
        return end - p >= 3 ? CORS_ORIGIN_BAD_SCHEME : CORS_ORIGIN_NO_SCHEME;
    }
    if (!CORS_IS_ALPHA(s[0])) {
        return CORS_ORIGIN_BAD_SCHEME;
    }
    o->scheme_len = p - s;

    authority = p + 3;
    for (authority_end = authority;
         authority_end < end && !CORS_CHAR_IS(*authority_end, CORS_PATH_CHAR);
         authority_end++)
        ;
    if (memchr(authority, '@', authority_end - authority)) {
        return CORS_ORIGIN_USERINFO;
    }
    if (authority_end == authority) {
        return CORS_ORIGIN_EMPTY_HOST;
    }
    if (*authority == '[') {
        port = memchr(authority, ']', authority_end - authority);
        port = port ? port + 1 : authority_end;
        if (port < authority_end && *port != ':') {
            return CORS_ORIGIN_BAD_HOST;
        }
    }
    else {
        port = memchr(authority, ':', authority_end - authority);
        if (!port) {
            port = authority_end;
        }
    }
    status = cors_parse_host(authority, port - authority, patterns, o);
    if (status == CORS_ORIGIN_OK && port < authority_end) {
        status = cors_parse_port(port + 1, authority_end - port - 1,
                                 patterns, o);
    }
    if (status != CORS_ORIGIN_OK) {
        return status;
    }
    /* After the host and port, so that the origin a message suggests
     * instead is one that would be accepted. */
    if (authority_end < end) {
        o->origin_len = authority_end - s;
        switch (*authority_end) {
        case '/':
            return authority_end + 1 == end ? CORS_ORIGIN_TRAILING_SLASH
                                            : CORS_ORIGIN_PATH;
        case '?':
            return CORS_ORIGIN_QUERY;
        default:
            return CORS_ORIGIN_FRAGMENT;
        }
    }
    if (o->port != CORS_PORT_NONE
        && o->port == cors_default_port(s, o->scheme_len)) {
        o->port = CORS_PORT_NONE;
        o->canonical = 0;
    }
    return CORS_ORIGIN_OK;
}

/* "scheme://host[:port]" in lower case, patterns keeping "*." and ":*". */
static char *cors_normalise_origin(apr_pool_t *p, const char *s,
                                   const cors_origin_parts *o)
{
    char *out = apr_palloc(p, o->scheme_len + o->host_len + 16);
    char *w = out;
    apr_size_t i;

    for (i = 0; i < o->scheme_len; i++) {
        *w++ = CORS_LOWER(s[i]);
    }
    memcpy(w, "://", 3);
    w += 3;
    if (o->subdomains) {
        *w++ = '*';
        *w++ = '.';
    }
    for (i = 0; i < o->host_len; i++) {
        *w++ = CORS_LOWER(o->host[i]);
    }
    if (o->port == CORS_PORT_ANY) {
        memcpy(w, ":*", 3);
    }
    else if (o->port != CORS_PORT_NONE) {
        apr_snprintf(w, 7, ":%d", o->port);
    }
    else {
        *w = '\0';
    }
    return out;
}

/* What is wrong with a configured origin, and how to write it instead. */
static const char *cors_origin_problem(apr_pool_t *p, const char *value,
                                       cors_origin_status status,
                                       const cors_origin_parts *o)
{
    const char *origin = apr_pstrmemdup(p, value, o->origin_len);

    switch (status) {
    case CORS_ORIGIN_EMPTY:
        return "is empty: write an origin such as https://app.example.com";
    case CORS_ORIGIN_NO_SCHEME:
        return apr_psprintf(p, "has no scheme: write it with one, such as "
                            "'https://%s'", value);
    case CORS_ORIGIN_BAD_SCHEME:
        return "has an invalid scheme: a scheme is a letter followed by "
               "letters, digits, '+', '-' or '.', then '://'";
    case CORS_ORIGIN_USERINFO:
        return "holds user info ('@'): an origin is scheme://host[:port] "
               "only";
    case CORS_ORIGIN_EMPTY_HOST:
        return "has an empty host: write scheme://host[:port]";
    case CORS_ORIGIN_TRAILING_SLASH:
        return apr_psprintf(p, "ends with a slash, which browsers never "
                            "send: write '%s'", origin);
    case CORS_ORIGIN_PATH:
        return apr_psprintf(p, "has a path: an origin is scheme://host"
                            "[:port] with nothing after it, write '%s'",
                            origin);
    case CORS_ORIGIN_QUERY:
        return apr_psprintf(p, "has a query ('?'): write '%s'", origin);
    case CORS_ORIGIN_FRAGMENT:
        return apr_psprintf(p, "has a fragment ('#'): write '%s'", origin);
    case CORS_ORIGIN_NON_ASCII:
        return "has a non-ASCII host: write the host as punycode "
               "(xn--...), as browsers send it";
    case CORS_ORIGIN_BAD_HOST:
        return "has an invalid host: use letters, digits, '-', '_' and "
               "dots between labels of 1 to 63 characters, 253 in all, or "
               "an IPv6 address in brackets";
    case CORS_ORIGIN_BAD_PORT:
        return "has an invalid port: write digits, or '*' for any port";
    case CORS_ORIGIN_PORT_RANGE:
        return "has a port out of range: use a port from 1 to 65535";
    case CORS_ORIGIN_BAD_WILDCARD:
        return "uses '*' where it cannot stand: '*' is either the whole "
               "leftmost label (https://*.example.com) or the whole port "
               "(http://localhost:*)";
    case CORS_ORIGIN_WILDCARD_TLD:
        return "would match every site under a top-level domain: name the "
               "domain, as in https://*.example.com";
    default:
        return "is not an origin";
    }
}

/* IP addresses as browsers write them (WHATWG URL, "host parsing" and
 * "host serializing"): a host whose last label is a number is an IPv4
 * address, however it is spelled, and is sent as four decimal octets; an
 * IPv6 address is sent in its shortest form.  A configured origin spelled
 * otherwise could never match, so the configuration is refused. */

/* An IPv4 part: decimal, 0x-prefixed hexadecimal or 0-prefixed octal. */
static int cors_ipv4_number(const char *s, apr_size_t len, apr_uint64_t *n)
{
    unsigned radix = 10;
    apr_size_t i;

    if (len == 0) {
        return 0;
    }
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        radix = 16;
        s += 2;
        len -= 2;
    }
    else if (len >= 2 && s[0] == '0') {
        radix = 8;
        s++;
        len--;
    }
    *n = 0;
    for (i = 0; i < len; i++) {
        unsigned digit;
        if (CORS_IS_DIGIT(s[i])) {
            digit = s[i] - '0';
        }
        else if (radix == 16 && CORS_CHAR_IS(s[i], CORS_HEX_CHAR)) {
            digit = (CORS_LOWER(s[i]) - 'a') + 10;
        }
        else {
            return 0;
        }
        if (digit >= radix) {
            return 0;
        }
        if (*n <= APR_UINT32_MAX) {
            *n = *n * radix + digit;
        }
    }
    return 1;
}

/* Whether URL parsing takes the host for an IPv4 address. */
static int cors_host_ends_in_number(const char *host, apr_size_t len)
{
    const char *last;
    apr_size_t i;
    apr_uint64_t n;

    if (len > 1 && host[len - 1] == '.') {
        len--;
    }
    for (last = host + len; last > host && last[-1] != '.'; last--)
        ;
    len -= last - host;
    for (i = 0; i < len && CORS_IS_DIGIT(last[i]); i++)
        ;
    return (len && i == len) || (len >= 2 && last[0] == '0'
                                 && (last[1] == 'x' || last[1] == 'X')
                                 && cors_ipv4_number(last, len, &n));
}

static int cors_parse_ipv4(const char *host, apr_size_t len,
                           apr_uint32_t *address)
{
    apr_uint64_t numbers[4];
    int count = 0, i;
    const char *part = host, *end = host + len;

    if (len > 1 && host[len - 1] == '.') {
        end--;
    }
    while (part <= end) {
        const char *dot = memchr(part, '.', end - part);
        if (!dot) {
            dot = end;
        }
        if (count == 4 || !cors_ipv4_number(part, dot - part, &numbers[count])) {
            return 0;
        }
        count++;
        part = dot + 1;
    }
    for (i = 0; i < count - 1; i++) {
        if (numbers[i] > 255) {
            return 0;
        }
    }
    if (numbers[count - 1] >= ((apr_uint64_t)1 << (8 * (5 - count)))) {
        return 0;
    }
    *address = (apr_uint32_t)numbers[count - 1];
    for (i = 0; i < count - 1; i++) {
        *address += (apr_uint32_t)(numbers[i] << (8 * (3 - i)));
    }
    return 1;
}

/* The text between the brackets of an IPv6 literal, as 8 pieces. */
static int cors_parse_ipv6(const char *s, apr_size_t len,
                           apr_uint16_t address[8])
{
    const char *c = s, *end = s + len;
    int piece = 0, compress = -1;

    memset(address, 0, 8 * sizeof(*address));
    if (c < end && *c == ':') {
        if (end - c < 2 || c[1] != ':') {
            return 0;
        }
        c += 2;
        compress = ++piece;
    }
    while (c < end) {
        unsigned value = 0, length = 0;

        if (piece == 8) {
            return 0;
        }
        if (*c == ':') {
            if (compress != -1) {
                return 0;
            }
            c++;
            compress = ++piece;
            continue;
        }
        while (length < 4 && c < end && CORS_CHAR_IS(*c, CORS_HEX_CHAR)) {
            value = value * 16 + (CORS_IS_DIGIT(*c) ? *c - '0'
                                  : CORS_LOWER(*c) - 'a' + 10);
            c++;
            length++;
        }
        if (c < end && *c == '.') {
            int numbers_seen = 0;
            if (length == 0 || piece > 6) {
                return 0;
            }
            c -= length;
            while (c < end) {
                int octet = -1;
                if (numbers_seen > 0) {
                    if (*c != '.' || numbers_seen >= 4) {
                        return 0;
                    }
                    c++;
                }
                if (c == end || !CORS_IS_DIGIT(*c)) {
                    return 0;
                }
                while (c < end && CORS_IS_DIGIT(*c)) {
                    if (octet == 0) {
                        return 0;
                    }
                    octet = (octet < 0 ? 0 : octet * 10) + (*c - '0');
                    if (octet > 255) {
                        return 0;
                    }
                    c++;
                }
                address[piece] = (apr_uint16_t)(address[piece] * 0x100 + octet);
                numbers_seen++;
                if (numbers_seen == 2 || numbers_seen == 4) {
                    piece++;
                }
            }
            if (numbers_seen != 4) {
                return 0;
            }
            break;
        }
        if (c < end && *c == ':') {
            if (++c == end) {
                return 0;
            }
        }
        else if (c < end) {
            return 0;
        }
        address[piece++] = (apr_uint16_t)value;
    }
    if (compress != -1) {
        int swaps = piece - compress;
        for (piece = 7; piece != 0 && swaps > 0; piece--, swaps--) {
            apr_uint16_t swap = address[piece];
            address[piece] = address[compress + swaps - 1];
            address[compress + swaps - 1] = swap;
        }
    }
    else if (piece != 8) {
        return 0;
    }
    return 1;
}

/* "[...]" in the shortest form: the first longest run of two or more zero
 * pieces as "::", lower-case hex without leading zeros. */
static char *cors_ipv6_text(apr_pool_t *p, const apr_uint16_t address[8])
{
    char *out = apr_palloc(p, 42), *w = out;
    int compress = -1, longest = 1, i, run;

    for (i = 0; i < 8; i += run ? run : 1) {
        for (run = 0; i + run < 8 && address[i + run] == 0; run++)
            ;
        if (run > longest) {
            longest = run;
            compress = i;
        }
    }
    *w++ = '[';
    for (i = 0; i < 8; i++) {
        if (i == compress) {
            w = apr_cpystrn(w, i == 0 ? "::" : ":", 3);
            i += longest - 1;
            continue;
        }
        w += apr_snprintf(w, 6, "%x", address[i]);
        if (i != 7) {
            *w++ = ':';
        }
    }
    *w++ = ']';
    *w = '\0';
    return out;
}

/* How browsers write an IP address host; NULL when the host is a name.
 * *invalid is set for an address no URL parser accepts. */
static const char *cors_ip_host_text(apr_pool_t *p, const char *host,
                                     apr_size_t len, int *invalid)
{
    apr_uint16_t pieces[8];
    apr_uint32_t v4;

    *invalid = 0;
    if (host[0] == '[') {
        if (!cors_parse_ipv6(host + 1, len - 2, pieces)) {
            *invalid = 1;
            return NULL;
        }
        return cors_ipv6_text(p, pieces);
    }
    if (!cors_host_ends_in_number(host, len)) {
        return NULL;
    }
    if (!cors_parse_ipv4(host, len, &v4)) {
        *invalid = 1;
        return NULL;
    }
    return apr_psprintf(p, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 0xff,
                        (v4 >> 8) & 0xff, v4 & 0xff);
}

/* NULL when the configured origin's host is written as browsers write it;
 * else what is wrong, with the origin to write instead. */
static const char *cors_ip_host_problem(apr_pool_t *p, const char *key,
                                        const cors_origin_parts *o)
{
    int invalid;
    const char *text = cors_ip_host_text(p, o->host, o->host_len, &invalid);
    apr_size_t host_offset = o->scheme_len + 3 + (o->subdomains ? 2 : 0);

    if (invalid) {
        return "has an invalid IP address as host: write four decimal "
               "numbers from 0 to 255 (127.0.0.1) or an IPv6 address in "
               "brackets ([::1])";
    }
    if (text && o->subdomains) {
        return "puts '*.' before an IP address, which has no subdomains: "
               "list the address itself";
    }
    if (!text || (strlen(text) == o->host_len
                  && !memcmp(text, key + host_offset, o->host_len))) {
        return NULL;
    }
    return apr_psprintf(p, "writes its IP address as browsers never send "
                        "it: write '%s%s%s'",
                        apr_pstrmemdup(p, key, host_offset), text,
                        key + host_offset + o->host_len);
}

/* The hash of an origin set's keys, eight bytes a step: every request's
 * Origin is hashed.  Only the configuration adds keys, so no client
 * chooses what collides. */
static apr_uint32_t cors_hash_key(const char *key, apr_size_t len)
{
    apr_uint64_t h = len * APR_UINT64_C(0x9e3779b97f4a7c15), word = 0;
    apr_size_t i;

    if (len >= 8) {
        for (i = 0; i + 8 < len; i += 8) {
            memcpy(&word, key + i, 8);
            h = (h ^ word) * APR_UINT64_C(0xff51afd7ed558ccd);
            h ^= h >> 32;
        }
        memcpy(&word, key + len - 8, 8);    /* the last eight, overlapping */
    }
    else {
        for (i = 0; i < len; i++) {
            word = (word << 8) | (unsigned char)key[i];
        }
    }
    h = (h ^ word) * APR_UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return (apr_uint32_t)h & 0x7fffffff;
}

#define CORS_ORIGIN_SET_MIN_SLOTS 8

static cors_origin_set *cors_origin_set_make(apr_pool_t *p)
{
    cors_origin_set *set = apr_pcalloc(p, sizeof(*set));

    set->slots = apr_pcalloc(p, CORS_ORIGIN_SET_MIN_SLOTS
                                * sizeof(cors_origin_slot));
    set->mask = CORS_ORIGIN_SET_MIN_SLOTS - 1;
    return set;
}

/* The slot of a key, or the free slot where it would go. */
static cors_origin_slot *cors_origin_set_slot(const cors_origin_set *set,
                                              const char *key,
                                              apr_size_t len,
                                              apr_uint32_t hash)
{
    apr_uint32_t i = hash & set->mask;

    for (;; i = (i + 1) & set->mask) {
        cors_origin_slot *slot = &set->slots[i];
        if (!slot->key || (slot->hash == hash && slot->len == len
                           && cors_words_equal(slot->key, key, len, 0))) {
            return slot;
        }
    }
}

/* The key's slot in the set, or NULL. */
static const cors_origin_slot *cors_origin_set_find(
    const cors_origin_set *set, const char *key, apr_size_t len)
{
    const cors_origin_slot *slot;

    slot = cors_origin_set_slot(set, key, len, cors_hash_key(key, len));
    return slot->key ? slot : NULL;
}

/* Makes room for keys in all, at most 3/4 of the slots used; the smaller
 * table stays in p until it goes. */
static void cors_origin_set_reserve(apr_pool_t *p, cors_origin_set *set,
                                    apr_size_t keys)
{
    cors_origin_slot *old = set->slots;
    apr_uint32_t old_size = set->mask + 1, size = old_size, i;

    while (keys * 4 > (apr_size_t)size * 3) {
        size *= 2;
    }
    if (size == old_size) {
        return;
    }
    set->mask = size - 1;
    set->slots = apr_pcalloc(p, (apr_size_t)size * sizeof(cors_origin_slot));
    for (i = 0; i < old_size; i++) {
        if (old[i].key) {
            *cors_origin_set_slot(set, old[i].key, old[i].len,
                                  old[i].hash) = old[i];
        }
    }
}

/* Adds a key (p holds it), or makes it a pattern or an exact origin again
 * as the later rule says. */
static void cors_origin_set_put(apr_pool_t *p, cors_origin_set *set,
                                const char *key, int pattern)
{
    apr_size_t len = strlen(key);
    apr_uint32_t hash = cors_hash_key(key, len);
    cors_origin_slot *slot;

    cors_origin_set_reserve(p, set, (apr_size_t)set->count + 1);
    slot = cors_origin_set_slot(set, key, len, hash);
    if (!slot->key) {
        slot->key = key;
        slot->len = (apr_uint32_t)len;
        slot->hash = hash;
        set->count++;
    }
    slot->pattern = pattern != 0;
}

/* Adds one configured origin rule; returns what is wrong with it, or NULL. */
static const char *cors_origin_set_add(apr_pool_t *p, cors_origin_set *set,
                                       const char *value)
{
    cors_origin_parts o;
    cors_origin_status status;
    const char *key, *problem;

    if (!strcmp(value, "*")) {
        set->any = 1;
        return NULL;
    }
    if (!strcmp(value, "null")) {
        set->opaque = 1;
        return NULL;
    }
    if (strchr(value, ',')) {
        return "is a comma-separated list: separate origins with spaces "
               "(or, in a file, write one a line)";
    }
    status = cors_parse_origin(value, strlen(value), 1, &o);
    if (status != CORS_ORIGIN_OK) {
        return cors_origin_problem(p, value, status, &o);
    }
    key = cors_normalise_origin(p, value, &o);
    problem = cors_ip_host_problem(p, key, &o);
    if (problem) {
        return problem;
    }
    if (o.subdomains || o.port == CORS_PORT_ANY) {
        set->has_patterns = 1;
        cors_origin_set_put(p, set, key, 1);
    }
    else {
        cors_origin_set_put(p, set, key, 0);
    }
    if (o.subdomains && o.labels > set->pattern_labels) {
        set->pattern_labels = o.labels;
    }
    return NULL;
}

/* The request's origin as a look-up key, with the spans patterns need. */
typedef struct {
    const char *key;          /* normalised origin */
    apr_size_t len;
    apr_size_t host_offset;   /* after "scheme://" */
    apr_size_t host_len;
    int listed;               /* a list holds it exactly, as received */
    int looked_up;            /* already looked up as an exact origin */
    char *scratch;            /* pattern keys, allocated on first use */
} cors_origin_key;

static void cors_make_origin_key(apr_pool_t *p, const char *origin,
                                 apr_size_t len, const cors_origin_parts *o,
                                 cors_origin_key *k)
{
    k->key = o->canonical ? origin : cors_normalise_origin(p, origin, o);
    k->len = o->canonical ? len : strlen(k->key);
    k->host_offset = o->scheme_len + 3;
    k->host_len = o->host_len;
    k->listed = 0;
    k->looked_up = 0;
    k->scratch = NULL;
}

/* Whether an Origin, as received, is a listed exact origin: then it is
 * well-formed and normalised already, and the look-up is its whole cost. */
static int cors_origin_set_lists(const cors_origin_set *set,
                                 const char *origin, apr_size_t len)
{
    const cors_origin_slot *slot;

    if (!set) {
        return 0;
    }
    slot = cors_origin_set_find(set, origin, len);
    return slot && !slot->pattern;
}

/* The key of a request's Origin (not "null") under the given lists: the
 * value as received when a list holds it exactly (listed: an origin file
 * does), else parsed and normalised.  Returns 0 when the Origin is
 * malformed. */
static int cors_make_request_key(apr_pool_t *p, const cors_origin_set *origins,
                                 int listed, const char *origin,
                                 apr_size_t len, cors_origin_key *k)
{
    cors_origin_parts o;

    if (listed || cors_origin_set_lists(origins, origin, len)) {
        memset(k, 0, sizeof(*k));
        k->key = origin;
        k->len = len;
        k->listed = 1;
        return 1;
    }
    if (cors_parse_origin(origin, len, 0, &o) != CORS_ORIGIN_OK) {
        return 0;
    }
    cors_make_origin_key(p, origin, len, &o, k);
    k->looked_up = o.canonical;     /* as received, just above */
    return 1;
}

/* Whether the set lists the origin exactly or through a pattern: the host
 * on any port, or a parent domain of the host (one or more labels before
 * it) on the same or any port.  Parent domains are tried from the right and
 * no longer than the longest pattern, so a host of many labels costs no
 * more than a short one. */
static int cors_origin_set_matches(apr_pool_t *p, const cors_origin_set *set,
                                   cors_origin_key *k)
{
    const char *host = k->key + k->host_offset;
    const char *port = host + k->host_len;
    apr_size_t port_len = k->len - (port - k->key);
    apr_size_t i, n;
    int labels = 0;
    char *buf;

    if (!k->looked_up && cors_origin_set_find(set, k->key, k->len)) {
        return 1;
    }
    if (!set->has_patterns) {
        return 0;
    }
    if (!k->scratch) {
        k->scratch = apr_palloc(p, k->len + 4);
    }
    buf = k->scratch;

    memcpy(buf, k->key, k->host_offset + k->host_len);
    memcpy(buf + k->host_offset + k->host_len, ":*", 2);
    if (cors_origin_set_find(set, buf, k->host_offset + k->host_len + 2)) {
        return 1;
    }
    if (host[0] == '[') {
        return 0;
    }
    for (i = k->host_len - 1; i > 0 && labels < set->pattern_labels; i--) {
        /* A fully qualified host's final dot ends no label: the parent
         * domains of "a.example.com." are "example.com." and "com.". */
        if (host[i] != '.' || i == k->host_len - 1) {
            continue;
        }
        labels++;
        n = k->host_offset;
        buf[n++] = '*';
        memcpy(buf + n, host + i, k->host_len - i);
        n += k->host_len - i;
        memcpy(buf + n, port, port_len);
        if (cors_origin_set_find(set, buf, n + port_len)) {
            return 1;
        }
        memcpy(buf + n, ":*", 2);
        if (cors_origin_set_find(set, buf, n + 2)) {
            return 1;
        }
    }
    return 0;
}

/* --------------------------------------------------------------------- */
/* Method and header tokens                                               */
/* --------------------------------------------------------------------- */

static int cors_is_token(const char *s, apr_size_t len)
{
    apr_size_t i;

    if (len == 0) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (!CORS_CHAR_IS(s[i], CORS_TOKEN_CHAR)) {
            return 0;
        }
    }
    return 1;
}

/* Whether a field name of len bytes is the given lower-case one: its
 * length first. */
#define CORS_FIELD_LEN_IS(name, len, lower) \
    ((len) == sizeof(lower) - 1 \
     && cors_words_equal(name, lower, sizeof(lower) - 1, CORS_FOLD_CASE))
#define CORS_FIELD_IS(name, lower) CORS_FIELD_LEN_IS(name, strlen(name), lower)

static APR_INLINE int cors_is_access_control_header(const char *name)
{
    return (name[0] | 0x20) == 'a' && strlen(name) >= 15
           && cors_words_equal(name, "access-control-", 15, CORS_FOLD_CASE);
}

/* Fetch normalises these six methods to upper case; every other method is
 * compared byte for byte.  The safelisted three first. */
static const cors_span cors_normalised_methods[] = {
    { "GET", 3 }, { "HEAD", 4 }, { "POST", 4 },
    { "PUT", 3 }, { "DELETE", 6 }, { "OPTIONS", 7 }
};
#define CORS_NORMALISED_METHODS 6
#define CORS_SAFELISTED_METHODS 3

/* Which of cors_normalised_methods the method is as Fetch normalises it,
 * or -1 for a method compared as it is. */
static int cors_normalised_index(const cors_span *method)
{
    int i;

    /* Browsers send these six upper-case already. */
    for (i = 0; i < CORS_NORMALISED_METHODS; i++) {
        if (cors_normalised_methods[i].len == method->len
            && cors_words_equal(method->name, cors_normalised_methods[i].name,
                                method->len, 0)) {
            return i;
        }
    }
    for (i = 0; i < CORS_NORMALISED_METHODS; i++) {
        if (cors_normalised_methods[i].len == method->len
            && !ap_cstr_casecmpn(cors_normalised_methods[i].name,
                                 method->name, method->len)) {
            return i;
        }
    }
    return -1;
}

/* The method as Fetch normalises it: one of cors_normalised_methods, or
 * the method itself. */
static const cors_span *cors_normalise_method(const cors_span *method)
{
    int i = cors_normalised_index(method);

    return i < 0 ? method : &cors_normalised_methods[i];
}

/* Header names compare case-insensitively (the list's are lower case, as
 * browsers send them), methods byte for byte (after the six normalised
 * ones are upper-cased). */
static int cors_token_list_has(const cors_token_list *list, const char *s,
                               apr_size_t len)
{
    const cors_span *names = (const cors_span *)list->names->elts;
    int i;

    for (i = 0; i < list->names->nelts; i++) {
        if (names[i].len == len
            && (cors_words_equal(names[i].name, s, len, 0)
                || (!list->exact
                    && !ap_cstr_casecmpn(names[i].name, s, len)))) {
            return 1;
        }
    }
    return 0;
}

/* Whether a list of methods has a method (normalised: its index in
 * cors_normalised_methods, or -1): a bit for the six that Fetch normalises,
 * the names for any other. */
static int cors_methods_have(const cors_token_list *list, int normalised,
                             const cors_span *method)
{
    if (normalised >= 0) {
        return (list->normalised >> normalised) & 1;
    }
    return cors_token_list_has(list, method->name, method->len);
}

static const char *cors_token_list_add(apr_pool_t *p, cors_token_list **listp,
                                       const char *token, int is_method)
{
    cors_token_list *list = *listp;

    if (!list) {
        list = *listp = apr_pcalloc(p, sizeof(*list));
        list->exact = is_method;
        list->names = apr_array_make(p, 4, sizeof(cors_span));
    }
    if (!strcmp(token, "*")) {
        list->any = 1;
    }
    else if (!cors_is_token(token, strlen(token))) {
        return "is not a valid token: use letters, digits and "
               "!#$%&'*+-.^_`|~ only";
    }
    else {
        cors_span name = { token, strlen(token) }, *added;
        if (is_method) {
            int normalised = cors_normalised_index(&name);
            if (normalised >= 0) {
                list->normalised |= 1U << normalised;
                name = cors_normalised_methods[normalised];
                token = name.name;
            }
        }
        if (cors_token_list_has(list, token, name.len)) {
            return NULL;
        }
        added = apr_array_push(list->names);
        added->len = name.len;
        added->name = token;
        if (!is_method) {
            char *lower = apr_pstrdup(p, token);
            ap_str_tolower(lower);
            added->name = lower;
        }
        list->value = list->value
                      ? apr_pstrcat(p, list->value, ", ", token, NULL)
                      : token;
    }
    if (list->any && list->names->nelts) {
        return "cannot be listed together with '*': '*' already allows "
               "every name, write it alone";
    }
    return NULL;
}

/* Splits Access-Control-Request-Headers (httpd joins several fields with
 * ", ") into names, skipping empty elements.  Returns the number of names,
 * or -1 when the list is too long or holds something that is not a token. */
static int cors_split_request_headers(const char *value,
                                      cors_span names[CORS_MAX_REQUEST_HEADERS])
{
    const char *p = value, *start;
    int count = 0;

    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (!*p) {
            break;
        }
        /* One pass: the name's characters are checked as they are read. */
        start = p;
        while (CORS_CHAR_IS(*p, CORS_TOKEN_CHAR)) {
            p++;
        }
        if (count == CORS_MAX_REQUEST_HEADERS) {
            return -1;
        }
        names[count].name = start;
        names[count].len = p - start;
        count++;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        /* Anything else after a name, or instead of one, is no token. */
        if (*p && *p != ',') {
            return -1;
        }
    }
    return p - value > CORS_MAX_REQUEST_HEADERS_BYTES ? -1 : count;
}

/* --------------------------------------------------------------------- */
/* Origin files: live lists                                               */
/* --------------------------------------------------------------------- */

/*
 * CORSAllowOriginFile [txt:]path | dbm[=type]:path
 *
 * Each file is one cors_live_list, shared by every section that names it.
 * It is read when httpd reads its configuration (a file that does not read
 * or parse stops the start-up), and used without a restart when it changes
 * on disk:
 *
 * - Every process looks at the file at most once a second
 *   (CORS_LIVE_CHECK), on the first request that consults the list after
 *   that, with one stat(): another modification or change time, size, inode
 *   or device is another version.  The parent does the same from the
 *   monitor hook, so that a child it starts later begins with the newest
 *   good version of a text list.
 * - A file touched (written, truncated, renamed: its mtime or ctime) less
 *   than CORS_LIVE_SETTLE ago is left for the next look, so that a writer
 *   rewriting it in place is not caught half-way; a file renamed into place
 *   is therefore read a second after the rename.  A change is seen within
 *   about two seconds.
 * - A text version is read whole into a pool of its own, checked not to
 *   have changed while it was read (its size and mtime from the open file
 *   before and after, and not one byte more than its size), and parsed with
 *   the start-up rules; only then is it swapped in.  An emptied (0-byte)
 *   file is taken for one being written: to empty a list, leave a comment
 *   in it.
 * - A version that cannot be read or does not parse is logged at error
 *   (file, line, reason) once per version and per process; the previous
 *   version stays in force.  Fixing the file makes a new version.
 * - A decision takes a reference to each text version in force when it
 *   starts and drops it when it ends, so its list never changes under it;
 *   nothing is kept for later (what the response needs is in the
 *   decision), and the last decision that used a replaced version
 *   destroys it.
 * - A DBM is never loaded: each process opens it read-only (in child_init,
 *   so that it has a list to keep should the file break before its first
 *   request) and asks apr_dbm_exists() for the request's origin, so memory
 *   does not grow with the list (the file stays in the page cache).  When
 *   the file changes, a new handle is opened and the old one closed only if
 *   the new one opens; until then the old handle, open on the old inode,
 *   keeps answering, which makes a rename atomic.  apr_dbm handles are not
 *   thread-safe: one handle per process, used under the mutex; a look-up is
 *   a few microseconds from the page cache.
 *
 * Under threaded MPMs one mutex per process (created in child_init) guards
 * the state of every list.  It is held to take a reference or look a DBM
 * up, for a stat() once a second, never while a text file is read; prefork
 * (one request per process) and the parent use none.
 */

#define CORS_LIVE_CHECK  apr_time_from_sec(1)
#define CORS_LIVE_SETTLE apr_time_from_sec(1)

#define CORS_LIVE_FINFO (APR_FINFO_TYPE | APR_FINFO_MTIME | APR_FINFO_CTIME \
                         | APR_FINFO_SIZE | APR_FINFO_INODE | APR_FINFO_DEV)

/* What stat() says of a file: equal stamps, the same version. */
typedef struct {
    apr_time_t mtime;
    apr_time_t ctime;
    apr_off_t size;
    apr_ino_t inode;
    apr_dev_t device;
} cors_live_stamp;

/* One version of a text list, in an unmanaged pool of its own. */
typedef struct {
    apr_pool_t *pool;
    cors_origin_set *set;
    cors_live_stamp stamp;
    unsigned int refs;          /* the list's, and each request's using it */
} cors_live_version;

typedef struct {
    const char *name;           /* "txt:path" or "dbm=type:path" */
    const char *path;
    const char *dbm_type;       /* NULL: a text file */
    const char *watched[2];     /* the file(s) stat()ed: sdbm has two */
    int nwatched;
    cors_live_stamp stamp[2];   /* of the version in force */
    cors_live_stamp refused[2]; /* of the last version refused and logged */
    apr_status_t stat_failed;   /* the last stat() failure logged, or 0 */
    apr_time_t checked;         /* when the file was last looked at */
    int busy;                   /* a thread is reading a new version */
    cors_live_version *current; /* text */
    apr_pool_t *dbm_pool;       /* dbm: the handle and its pool, opened */
    apr_dbm_t *dbm;             /* by each process on its first look-up */
} cors_live_list;

static apr_hash_t *cors_live_lists;       /* by name, for this generation */
#if APR_HAS_THREADS
static apr_thread_mutex_t *cors_live_mutex;  /* threaded MPMs' children */
#endif

static APR_INLINE void cors_live_lock(void)
{
#if APR_HAS_THREADS
    if (cors_live_mutex) {
        apr_thread_mutex_lock(cors_live_mutex);
    }
#endif
}

static APR_INLINE void cors_live_unlock(void)
{
#if APR_HAS_THREADS
    if (cors_live_mutex) {
        apr_thread_mutex_unlock(cors_live_mutex);
    }
#endif
}

static void cors_live_stamp_of(cors_live_stamp *stamp, const apr_finfo_t *fi)
{
    memset(stamp, 0, sizeof(*stamp));
    stamp->mtime = fi->mtime;
    stamp->ctime = fi->ctime;
    stamp->size = fi->size;
    stamp->inode = fi->inode;
    stamp->device = fi->device;
}

static int cors_live_same(const cors_live_stamp *a, const cors_live_stamp *b,
                          int n)
{
    return !memcmp(a, b, n * sizeof(*a));
}

/* One line of a text list, without its comment and surrounding blanks;
 * *problem says why a line cannot be one. */
static char *cors_live_line_value(char *line, const char *eol,
                                  const char **problem)
{
    char *value = line, *stop;

    *problem = NULL;
    if (strlen(line) != (apr_size_t)(eol - line)) {
        *problem = "holds a NUL byte: write the list as plain text, one "
                   "origin a line (name a DBM file dbm:path)";
    }
    /* A comment is a '#' at the start or after a blank, so that
     * "https://a.example#frag" is refused as a fragment. */
    for (stop = value; *stop; stop++) {
        if (*stop == '#' && (stop == value || apr_isspace(stop[-1]))) {
            *stop = '\0';
            break;
        }
    }
    while (apr_isspace(*value)) {
        value++;
    }
    stop = value + strlen(value);
    while (stop > value && apr_isspace(stop[-1])) {
        *--stop = '\0';
    }
    return value;
}

/* Parses a text list read whole (buf[len] is writable); returns what is
 * wrong with it, "PATH line N: 'value' problem", or NULL. */
static const char *cors_live_parse(apr_pool_t *p, const char *path,
                                   cors_origin_set *set, char *buf,
                                   apr_size_t len)
{
    char *line = buf, *last = buf + len;
    const char *newline;
    unsigned int number = 0;
    apr_size_t lines = 1;

    /* The table of its size at once: growing it line by line would leave
     * each smaller one in the version's pool. */
    for (newline = buf; (newline = memchr(newline, '\n', last - newline));
         newline++) {
        lines++;
    }
    cors_origin_set_reserve(p, set, lines);
    /* Editors on Windows start UTF-8 files with a byte-order mark. */
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
        line += 3;
    }
    for (;;) {
        char *eol = memchr(line, '\n', last - line);
        const char *problem;
        char *value;

        if (!eol) {
            eol = last;
        }
        *eol = '\0';
        number++;
        value = cors_live_line_value(line, eol, &problem);
        if (!problem && *value) {
            problem = strpbrk(value, " \t")
                      ? "holds more than one value: write one origin a line"
                      : cors_origin_set_add(p, set, value);
        }
        if (problem) {
            return apr_psprintf(p, "%s line %u: '%s' %s", path, number,
                                ap_escape_logitem(p, value), problem);
        }
        if (eol == last) {
            return NULL;
        }
        line = eol + 1;
    }
}

/* What became of reading a text list that did not go wrong. */
#define CORS_LIVE_READ      0
#define CORS_LIVE_EMPTY     1   /* it has no byte */
#define CORS_LIVE_UNSETTLED 2   /* not read: touched less than a second ago */

/* Whether a file was touched (written, renamed, truncated) less than
 * CORS_LIVE_SETTLE ago, so that a writer may still be at it. */
static int cors_live_unsettled(const cors_live_stamp *stamp, apr_time_t now)
{
    apr_time_t touched = stamp->mtime > stamp->ctime ? stamp->mtime
                                                     : stamp->ctime;

    return touched <= now && now - touched < CORS_LIVE_SETTLE;
}

/* Reads and parses one version of a text list; with settle, not one touched
 * less than a second ago.  Returns what is wrong, or NULL and in *state
 * what became of it. */
static const char *cors_live_read_text(apr_pool_t *p, const char *path,
                                       cors_origin_set *set,
                                       cors_live_stamp *stamp, int settle,
                                       int *state)
{
    apr_file_t *file;
    apr_finfo_t before, after;
    apr_status_t rv;
    apr_size_t want, got = 0;
    char *buf;

    *state = CORS_LIVE_READ;
    rv = apr_file_open(&file, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "cannot read '%s': %pm", path, &rv);
    }
    rv = apr_file_info_get(&before, CORS_LIVE_FINFO, file);
    if (rv != APR_SUCCESS) {
        apr_file_close(file);
        return apr_psprintf(p, "cannot read '%s': %pm", path, &rv);
    }
    if (before.filetype != APR_REG) {
        apr_file_close(file);
        return apr_psprintf(p, "cannot read '%s': it is %s, not a file of "
                            "origins", path, before.filetype == APR_DIR
                            ? "a directory" : "not a regular file");
    }
    cors_live_stamp_of(stamp, &before);
    if (settle && cors_live_unsettled(stamp, apr_time_now())) {
        apr_file_close(file);
        *state = CORS_LIVE_UNSETTLED;
        return NULL;
    }
    /* One byte more than its size, to see a file that grows meanwhile. */
    want = (apr_size_t)before.size + 1;
    buf = apr_palloc(p, want + 1);
    rv = apr_file_read_full(file, buf, want, &got);
    if (rv == APR_SUCCESS || rv == APR_EOF) {
        rv = apr_file_info_get(&after, CORS_LIVE_FINFO, file);
    }
    apr_file_close(file);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "cannot read '%s': %pm", path, &rv);
    }
    if (got != (apr_size_t)before.size || after.size != before.size
        || after.mtime != before.mtime) {
        return apr_psprintf(p, "'%s' changed while it was read (%"
                            APR_OFF_T_FMT " bytes when opened, %"
                            APR_SIZE_T_FMT " read, %" APR_OFF_T_FMT
                            " after): replace it by renaming a complete file "
                            "over it", path, before.size, got, after.size);
    }
    if (got == 0) {
        *state = CORS_LIVE_EMPTY;
    }
    return cors_live_parse(p, path, set, buf, got);
}

/* A new version of a text list, or NULL and *error (or *state
 * CORS_LIVE_UNSETTLED). */
static cors_live_version *cors_live_version_read(const char *path,
                                                 const char **error,
                                                 apr_pool_t *ptemp,
                                                 int settle, int *state)
{
    apr_pool_t *pool;
    cors_live_version *v;

    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
        *error = "out of memory";
        return NULL;
    }
    v = apr_pcalloc(pool, sizeof(*v));
    v->pool = pool;
    v->set = cors_origin_set_make(pool);
    v->refs = 1;
    *error = cors_live_read_text(pool, path, v->set, &v->stamp, settle,
                                 state);
    if (*error || *state == CORS_LIVE_UNSETTLED) {
        *error = apr_pstrdup(ptemp, *error);
        apr_pool_destroy(pool);
        return NULL;
    }
    return v;
}

/* Drops a reference; the last one destroys the version. */
static apr_status_t cors_live_release(void *data)
{
    cors_live_version *v = data;
    int last;

    cors_live_lock();
    last = (--v->refs == 0);
    cors_live_unlock();
    if (last) {
        apr_pool_destroy(v->pool);
    }
    return APR_SUCCESS;
}

/* Stats the watched file(s); returns what is wrong, or NULL. */
static const char *cors_live_stat(apr_pool_t *p, const cors_live_list *list,
                                  cors_live_stamp *stamps, apr_status_t *rv)
{
    int i;

    for (i = 0; i < list->nwatched; i++) {
        apr_finfo_t fi;
        *rv = apr_stat(&fi, list->watched[i], CORS_LIVE_FINFO, p);
        if (*rv != APR_SUCCESS) {
            return apr_psprintf(p, "cannot read '%s': %pm", list->watched[i],
                                rv);
        }
        if (fi.filetype != APR_REG) {
            *rv = APR_EGENERAL;
            return apr_psprintf(p, "cannot read '%s': it is %s, not a file "
                                "of origins", list->watched[i],
                                fi.filetype == APR_DIR ? "a directory"
                                                       : "not a regular file");
        }
        cors_live_stamp_of(&stamps[i], &fi);
    }
    return NULL;
}

/* Opens a DBM read-only; returns what is wrong, or NULL. */
static const char *cors_live_dbm_open(apr_pool_t *ptemp,
                                      const cors_live_list *list,
                                      apr_dbm_t **dbm, apr_pool_t **pool)
{
    apr_status_t rv;

    if (apr_pool_create_unmanaged_ex(pool, NULL, NULL) != APR_SUCCESS) {
        return "out of memory";
    }
    rv = apr_dbm_open_ex(dbm, list->dbm_type, list->path, APR_DBM_READONLY,
                         APR_OS_DEFAULT, *pool);
    if (rv != APR_SUCCESS) {
        char reason[120];
        apr_pool_destroy(*pool);
        *pool = NULL;
        /* Berkeley DB's own codes mean nothing to APR. */
        apr_strerror(rv, reason, sizeof(reason));
        if (!strncmp(reason, "APR does not understand", 23)) {
            apr_cpystrn(reason, "it is not one, or it is damaged",
                        sizeof(reason));
        }
        return apr_psprintf(ptemp, "cannot open '%s' as a DBM of type %s: "
                            "%s; build it with httxt2dbm -f %s, or name "
                            "the type it has (dbm=db:, dbm=gdbm:, dbm=sdbm:)",
                            list->path, list->dbm_type, reason,
                            list->dbm_type);
    }
    return NULL;
}

static void cors_live_dbm_close(cors_live_list *list)
{
    if (list->dbm) {
        apr_dbm_close(list->dbm);
        apr_pool_destroy(list->dbm_pool);
        list->dbm = NULL;
        list->dbm_pool = NULL;
    }
}

/* Looks at the list's file, and takes in a new version that reads and
 * parses.  Called with the mutex held, returns with it held; a text file is
 * read without it.  s is NULL in the parent's monitor. */
static void cors_live_refresh(server_rec *s, cors_live_list *list,
                              apr_time_t now)
{
    cors_live_stamp stamps[2];
    apr_pool_t *ptemp;
    const char *error, *what;
    apr_status_t rv;

    list->checked = now;
    if (apr_pool_create_unmanaged_ex(&ptemp, NULL, NULL) != APR_SUCCESS) {
        return;
    }
    memset(stamps, 0, sizeof(stamps));
    error = cors_live_stat(ptemp, list, stamps, &rv);
    if (error) {
        if (rv != list->stat_failed) {
            list->stat_failed = rv;
            goto refused;
        }
        goto done;
    }
    list->stat_failed = APR_SUCCESS;
    if ((cors_live_same(stamps, list->stamp, list->nwatched)
         && (!list->dbm_type || list->dbm))
        || cors_live_same(stamps, list->refused, list->nwatched)) {
        goto done;
    }
    /* Touched less than a second ago: a writer may still be at it.  Not
     * for a process's first DBM handle: there is no list to keep meanwhile
     * (the file opened when httpd read its configuration). */
    if ((!list->dbm_type || list->dbm)
        && (cors_live_unsettled(&stamps[0], now)
            || (list->nwatched > 1
                && cors_live_unsettled(&stamps[1], now)))) {
        goto done;
    }

    if (!list->dbm_type) {
        cors_live_version *v, *old;
        int state;

        list->busy = 1;
        cors_live_unlock();
        v = cors_live_version_read(list->path, &error, ptemp, 1, &state);
        if (v && state == CORS_LIVE_EMPTY) {
            error = apr_psprintf(ptemp, "'%s' is empty (0 bytes), as a file "
                                 "being written is: to empty the list, leave "
                                 "a comment line in it", list->path);
            cors_live_release(v);
            v = NULL;
        }
        cors_live_lock();
        list->busy = 0;
        if (!v && !error) {
            goto done;      /* touched meanwhile: next time */
        }
        if (!v) {
            goto refused;
        }
        old = list->current;
        list->current = v;
        list->stamp[0] = v->stamp;
        memset(list->refused, 0, sizeof(list->refused));
        cors_live_unlock();
        cors_live_release(old);
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "CORSAllowOriginFile: "
                     "read %s again (%u origin rules)%s", list->path,
                     v->set->count + v->set->any
                     + v->set->opaque, s ? "" : " in the parent");
        cors_live_lock();
    }
    else {
        apr_dbm_t *dbm;
        apr_pool_t *pool;

        error = cors_live_dbm_open(ptemp, list, &dbm, &pool);
        if (error) {
            goto refused;
        }
        what = list->dbm ? " again" : "";
        cors_live_dbm_close(list);
        list->dbm = dbm;
        list->dbm_pool = pool;
        memcpy(list->stamp, stamps, sizeof(stamps));
        memset(list->refused, 0, sizeof(list->refused));
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "CORSAllowOriginFile: "
                     "opened %s%s", list->path, what);
    }
    goto done;

refused:
    memcpy(list->refused, stamps, sizeof(stamps));
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "CORSAllowOriginFile: %s; %s",
                 error, list->current || list->dbm
                 ? "the previous list of origins stays in force until the "
                   "file is fixed"
                 : "no origin of this file is allowed until it is fixed");
done:
    apr_pool_destroy(ptemp);
}

/* Looks at the list's file if it is due: once a second, and until a
 * process's DBM handle opens.  Apart from cors_live_refresh, whose frame a
 * request rarely needs. */
static void cors_live_check(server_rec *s, cors_live_list *list,
                            apr_time_t now)
{
    if (!list->busy
        && (now - list->checked >= CORS_LIVE_CHECK
            || (list->dbm_type && !list->dbm))) {
        cors_live_refresh(s, list, now);
    }
}

/* The versions of a section's text lists that a decision uses: those in
 * force when it starts, each with a reference until it ends, so that no
 * list changes or goes under it.  files: cors_live_list *. */
typedef struct {
    const apr_array_header_t *files;
    cors_live_version **versions;       /* by file; NULL for a DBM, and for
                                         * every file when none is held */
    cors_live_version *few[4];          /* versions, for up to four files */
    int any;                            /* a file holds "*" */
    int opaque;                         /* a file holds "null" */
    int only_any;                       /* they hold nothing but "*" (a DBM
                                         * holds exact origins only) */
} cors_live_pins;

/* Looks at each file that is due (the request's arrival is the time: close
 * enough for a once-a-second look, and no clock read), then pins the text
 * versions in force; without lookups to come (no Origin) it takes only
 * what they hold of "*" and "null", and holds no version.  Returns pins,
 * or NULL without files. */
static cors_live_pins *cors_live_pin(request_rec *r,
                                     const apr_array_header_t *files,
                                     cors_live_pins *pins, int lookups)
{
    int i;

    if (!files) {
        return NULL;
    }
    pins->files = files;
    pins->versions = files->nelts <= 4
                     ? pins->few
                     : apr_palloc(r->pool,
                                  files->nelts * sizeof(pins->versions[0]));
    pins->any = pins->opaque = 0;
    pins->only_any = 1;
    cors_live_lock();
    for (i = 0; i < files->nelts; i++) {
        cors_live_list *list = APR_ARRAY_IDX(files, i, cors_live_list *);
        const cors_origin_set *set;
        pins->versions[i] = NULL;
        if (list->dbm_type) {
            pins->only_any = 0;
            continue;
        }
        cors_live_check(r->server, list, r->request_time);
        if (lookups) {
            pins->versions[i] = list->current;
            list->current->refs++;
        }
        set = list->current->set;
        pins->any |= set->any;
        pins->opaque |= set->opaque;
        pins->only_any &= set->any && !set->opaque && !set->count;
    }
    cors_live_unlock();
    return pins;
}

/* Drops the decision's references under one lock; a version whose last
 * reference this was goes after it. */
static void cors_live_unpin(cors_live_pins *pins)
{
    int i;

    if (!pins) {
        return;
    }
    cors_live_lock();
    for (i = 0; i < pins->files->nelts; i++) {
        if (pins->versions[i] && --pins->versions[i]->refs) {
            pins->versions[i] = NULL;
        }
    }
    cors_live_unlock();
    for (i = 0; i < pins->files->nelts; i++) {
        if (pins->versions[i]) {
            apr_pool_destroy(pins->versions[i]->pool);
        }
    }
}

/* Whether a DBM list holds an exact origin. */
static int cors_live_dbm_has(request_rec *r, cors_live_list *list,
                             const char *origin, apr_size_t len)
{
    apr_datum_t key;
    int found = 0;

    key.dptr = (char *)origin;
    key.dsize = len;
    cors_live_lock();
    cors_live_check(r->server, list, r->request_time);
    if (list->dbm) {
        found = apr_dbm_exists(list->dbm, key);
    }
    cors_live_unlock();
    return found;
}

/* Whether a file lists the Origin exactly, as received (pins: NULL where
 * the section has no CORSAllowOriginFile). */
static int cors_files_list(request_rec *r, const cors_live_pins *pins,
                           const char *origin, apr_size_t len)
{
    int i;

    for (i = 0; pins && i < pins->files->nelts; i++) {
        if (pins->versions[i]
            ? cors_origin_set_lists(pins->versions[i]->set, origin, len)
            : cors_live_dbm_has(r, APR_ARRAY_IDX(pins->files, i,
                                                 cors_live_list *),
                                origin, len)) {
            return 1;
        }
    }
    return 0;
}

/* Whether a file lists the origin, exactly or through a pattern. */
static int cors_files_match(request_rec *r, const cors_live_pins *pins,
                            cors_origin_key *k)
{
    int i;

    for (i = 0; pins && i < pins->files->nelts; i++) {
        if (pins->versions[i]
            ? cors_origin_set_matches(r->pool, pins->versions[i]->set, k)
            : !k->looked_up
              && cors_live_dbm_has(r, APR_ARRAY_IDX(pins->files, i,
                                                    cors_live_list *),
                                   k->key, k->len)) {
            return 1;
        }
    }
    return 0;
}

/* At start-up, the version just read: whether a section's files hold "*". */
static int cors_files_startup_any(const apr_array_header_t *files)
{
    int i;

    for (i = 0; files && i < files->nelts; i++) {
        cors_live_list *list = APR_ARRAY_IDX(files, i, cors_live_list *);
        if (!list->dbm_type && list->current->set->any) {
            return 1;
        }
    }
    return 0;
}

/* The end of a generation (restart, or the first of httpd's two readings
 * of its configuration): its lists go. */
static apr_status_t cors_live_lists_forget(void *data)
{
    apr_hash_index_t *hi;

    (void)data;
    if (!cors_live_lists) {
        return APR_SUCCESS;
    }
    for (hi = apr_hash_first(NULL, cors_live_lists); hi;
         hi = apr_hash_next(hi)) {
        cors_live_list *list = apr_hash_this_val(hi);
        if (list->current) {
            cors_live_release(list->current);
            list->current = NULL;
        }
        cors_live_dbm_close(list);
    }
    cors_live_lists = NULL;
    return APR_SUCCESS;
}

/* The live list that CORSAllowOriginFile's argument names, read (text) or
 * opened and closed again (DBM) when first named.  Returns what is wrong,
 * or NULL; *empty is CORS_LIVE_EMPTY for a text file without a byte. */
static const char *cors_live_list_get(cmd_parms *cmd, const char *arg,
                                      cors_live_list **listp, int *empty)
{
    apr_pool_t *p = cmd->pool;
    const char *type = NULL, *path = arg, *used1, *used2, *error;
    cors_live_list *list;
    apr_status_t rv;

    *empty = 0;
    if (!strncmp(arg, "txt:", 4)) {
        path = arg + 4;
    }
    else if (!strncmp(arg, "dbm:", 4)) {
        type = "default";
        path = arg + 4;
    }
    else if (!strncmp(arg, "dbm=", 4)) {
        const char *colon = strchr(arg + 4, ':');
        if (!colon || colon == arg + 4) {
            return apr_psprintf(p, "'%s' names no DBM type: write "
                                "dbm=db:path, dbm=gdbm:path, dbm=sdbm:path "
                                "or dbm:path (APR's default type)", arg);
        }
        type = apr_pstrmemdup(p, arg + 4, colon - (arg + 4));
        path = colon + 1;
    }
    path = ap_server_root_relative(p, path);
    if (!path) {
        return apr_psprintf(p, "'%s' is not a valid path", arg);
    }
    if (type && apr_dbm_get_usednames_ex(p, type, path, &used1, &used2)
                != APR_SUCCESS) {
        static const char *const types[] = { "db", "gdbm", "sdbm", "ndbm" };
        const char *offered = "";
        int i;
        for (i = 0; i < 4; i++) {
            if (apr_dbm_get_usednames_ex(p, types[i], path, &used1, &used2)
                == APR_SUCCESS) {
                offered = apr_pstrcat(p, offered, *offered ? ", " : "",
                                      types[i], NULL);
            }
        }
        return apr_psprintf(p, "'%s': this APR offers no DBM type '%s'; it "
                            "offers %s", arg, type, offered);
    }

    if (!cors_live_lists) {
        cors_live_lists = apr_hash_make(p);
        apr_pool_cleanup_register(p, NULL, cors_live_lists_forget,
                                  apr_pool_cleanup_null);
    }
    list = apr_hash_get(cors_live_lists,
                        apr_pstrcat(cmd->temp_pool, type ? "dbm=" : "txt:",
                                    type ? type : "", type ? ":" : "", path,
                                    NULL), APR_HASH_KEY_STRING);
    if (list) {
        *listp = list;
        return NULL;
    }
    list = apr_pcalloc(p, sizeof(*list));
    list->name = apr_pstrcat(p, type ? "dbm=" : "txt:", type ? type : "",
                             type ? ":" : "", path, NULL);
    list->path = path;
    list->dbm_type = type;
    list->watched[0] = type ? used1 : path;
    list->watched[1] = type ? used2 : NULL;
    list->nwatched = list->watched[1] ? 2 : 1;
    list->checked = apr_time_now();

    if (!type) {
        list->current = cors_live_version_read(path, &error, p, 0, empty);
        if (!list->current) {
            return error;
        }
        list->stamp[0] = list->current->stamp;
    }
    else {
        apr_dbm_t *dbm;
        apr_pool_t *pool;

        error = cors_live_stat(cmd->temp_pool, list, list->stamp, &rv);
        if (!error) {
            error = cors_live_dbm_open(p, list, &dbm, &pool);
        }
        if (error) {
            return error;
        }
        /* Each process opens its own on its first look-up: a handle shared
         * across fork() would share its file offset. */
        apr_dbm_close(dbm);
        apr_pool_destroy(pool);
    }
    apr_hash_set(cors_live_lists, list->name, APR_HASH_KEY_STRING, list);
    /* Registered again after each list, so that it runs before anything
     * allocated for the lists is gone, whatever the allocator. */
    apr_pool_cleanup_kill(p, NULL, cors_live_lists_forget);
    apr_pool_cleanup_register(p, NULL, cors_live_lists_forget,
                              apr_pool_cleanup_null);
    *listp = list;
    return NULL;
}

/* child_init: the mutex of the threaded MPMs, and each DBM opened, so that
 * the process has a list to keep should the file break before its first
 * look-up. */
static void cors_live_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_hash_index_t *hi;
#if APR_HAS_THREADS
    int threaded = 0;

    if (cors_live_lists
        && ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded) == APR_SUCCESS
        && threaded != AP_MPMQ_NOT_SUPPORTED
        && apr_thread_mutex_create(&cors_live_mutex, APR_THREAD_MUTEX_DEFAULT,
                                   pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "CORSAllowOriginFile: "
                     "cannot create a mutex: the origin files are not "
                     "re-read in this process");
        cors_live_mutex = NULL;
    }
#else
    (void)pchild;
#endif
    for (hi = cors_live_lists ? apr_hash_first(pchild, cors_live_lists)
                              : NULL; hi; hi = apr_hash_next(hi)) {
        cors_live_list *list = apr_hash_this_val(hi);
        if (list->dbm_type) {
            cors_live_check(s, list, apr_time_now());
        }
    }
}

/* monitor (the parent, about every ten seconds): children started later
 * begin with the newest good version of each text list. */
static int cors_live_monitor(apr_pool_t *p, server_rec *s)
{
    apr_hash_index_t *hi;

    (void)p;
    (void)s;
    if (!cors_live_lists) {
        return DECLINED;
    }
    for (hi = apr_hash_first(NULL, cors_live_lists); hi;
         hi = apr_hash_next(hi)) {
        cors_live_list *list = apr_hash_this_val(hi);
        if (!list->dbm_type) {
            cors_live_check(NULL, list, apr_time_now());
        }
    }
    return DECLINED;
}

/* --------------------------------------------------------------------- */
/* Directives                                                             */
/* --------------------------------------------------------------------- */

/* .htaccess files are parsed with a temporary pool equal to the main one. */
static int cors_in_htaccess(const cmd_parms *cmd)
{
    return cmd->pool == cmd->temp_pool;
}

/* Where a start-up warning points: the file and line of the directive. */
static void cors_warn(cmd_parms *cmd, const char *value, const char *warning)
{
    /* No server: a <VirtualHost>'s log level is not known yet. */
    if (!cors_in_htaccess(cmd)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, NULL, "%s %s: %s (%s:%d)",
                     cmd->cmd->name, value, warning, cmd->directive->filename,
                     cmd->directive->line_num);
    }
}

static int cors_set_has_any(const cors_origin_set *set)
{
    return set && set->any;
}

static const char *cors_credentials_conflict(cmd_parms *cmd)
{
    return apr_psprintf(cmd->pool, "%s: CORSAllowOrigin * and "
                        "CORSAllowCredentials On cannot stand in the same "
                        "section (a '*' line of CORSAllowOriginFile counts "
                        "too): browsers refuse credentials from a '*' "
                        "answer.  List the origins that may send credentials "
                        "instead of '*'", cmd->cmd->name);
}

/* An http:// origin other than a loopback one: anyone on the network path
 * can serve its pages and read what credentials unlock. */
static int cors_is_plain_http_remote(const char *key)
{
    const char *host = key + 7;
    apr_size_t len;

    if (strncmp(key, "http://", 7)) {
        return 0;
    }
    if (!strncmp(host, "*.", 2)) {
        host += 2;
    }
    if (host[0] == '[') {
        return strncmp(host, "[::1]", 5) != 0;
    }
    len = strcspn(host, ":");
    if (len && host[len - 1] == '.') {
        len--;
    }
    return !((len == 9 && !memcmp(host, "localhost", 9))
             || (len > 10 && !memcmp(host + len - 10, ".localhost", 10))
             || !strncmp(host, "127.", 4));
}

/* Warns about each http:// origin of a set that credentials now apply to. */
static void cors_warn_plain_http(cmd_parms *cmd, const cors_origin_set *set)
{
    apr_uint32_t i;

    for (i = 0; set && i <= set->mask; i++) {
        const char *key = set->slots[i].key;
        if (key && cors_is_plain_http_remote(key)) {
            cors_warn(cmd, key, "an http:// origin with CORSAllowCredentials "
                      "On: anyone on the network path can serve pages from "
                      "it and read what the credentials unlock; use https://");
        }
    }
}

static const char *set_allow_origin(cmd_parms *cmd, void *dconf,
                                    const char *value)
{
    cors_dir_conf *conf = dconf;
    const char *problem;

    if (!conf->origins) {
        conf->origins = cors_origin_set_make(cmd->pool);
    }
    problem = cors_origin_set_add(cmd->pool, conf->origins, value);
    if (problem) {
        return apr_psprintf(cmd->pool, "%s: '%s' %s", cmd->cmd->name,
                            value, problem);
    }
    if (conf->origins->any && conf->credentials == 1) {
        return cors_credentials_conflict(cmd);
    }
    if (conf->credentials == 1 && !strncmp(value, "http://", 7)) {
        cors_origin_set *one = cors_origin_set_make(cmd->temp_pool);
        cors_origin_set_add(cmd->temp_pool, one, value);
        cors_warn_plain_http(cmd, one);
    }
    return NULL;
}

static const char *set_allow_origin_regex(cmd_parms *cmd, void *dconf,
                                          const char *value)
{
    cors_dir_conf *conf = dconf;
    pcre2_code *check;
    int code;
    PCRE2_SIZE offset;
    ap_regex_t *re;

    /* Checked alone first: "a)|(b" compiles once wrapped below, but
     * unanchored.  PCRE2 itself, for its reason and offset: ap_regcomp
     * says only "bad argument".  With PCRE2_DUPNAMES, as ap_regcomp
     * compiles, so that a regex httpd accepts is not refused here. */
    check = pcre2_compile((PCRE2_SPTR)value, PCRE2_ZERO_TERMINATED,
                          PCRE2_CASELESS | PCRE2_DUPNAMES, &code, &offset,
                          NULL);
    if (!check) {
        PCRE2_UCHAR reason[256];
        if (pcre2_get_error_message(code, reason, sizeof(reason)) < 0) {
            apr_cpystrn((char *)reason, "unknown error", sizeof(reason));
        }
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid regular "
                            "expression: %s at offset %" APR_SIZE_T_FMT
                            " ('%s' comes before it): check its brackets, "
                            "parentheses and escapes", cmd->cmd->name, value,
                            (const char *)reason, (apr_size_t)offset,
                            apr_pstrmemdup(cmd->temp_pool, value, offset));
    }
    pcre2_code_free(check);

    /* Anchored, so that it can never match a longer origin such as
     * https://example.com.evil.net. */
    re = ap_pregcomp(cmd->pool, apr_pstrcat(cmd->temp_pool, "^(?:", value,
                                            ")$", NULL), AP_REG_ICASE);
    if (!re) {
        return apr_psprintf(cmd->pool, "%s: '%s' cannot be anchored as "
                            "^(?:...)$: rewrite it without unbalanced "
                            "quoting", cmd->cmd->name, value);
    }
    if (!conf->origin_regexes) {
        conf->origin_regexes = apr_array_make(cmd->pool, 2,
                                              sizeof(ap_regex_t *));
    }
    APR_ARRAY_PUSH(conf->origin_regexes, ap_regex_t *) = re;
    return NULL;
}

static const char *set_allow_origin_file(cmd_parms *cmd, void *dconf,
                                         const char *arg)
{
    cors_dir_conf *conf = dconf;
    cors_live_list *list = NULL;
    const char *error;
    int empty;

    if (cors_in_htaccess(cmd)) {
        return apr_psprintf(cmd->pool, "%s is not allowed in .htaccess: "
                            "httpd re-reads .htaccess on every request, so "
                            "an origin list belongs in the server "
                            "configuration; use CORSAllowOrigin here",
                            cmd->cmd->name);
    }
    error = cors_live_list_get(cmd, arg, &list, &empty);
    if (error) {
        return apr_psprintf(cmd->pool, "%s: %s%s", cmd->cmd->name, error,
                            strncmp(error, "cannot read", 11) ? ""
                            : "; check the path and that the file is "
                              "readable when httpd starts");
    }
    if (empty == CORS_LIVE_EMPTY) {
        cors_warn(cmd, arg, "is empty (0 bytes): it allows no origin, and "
                  "should it be emptied again while httpd runs, it will be "
                  "taken for a file being written and its previous list "
                  "kept; leave a comment line in an empty list");
    }
    if (!conf->origin_files) {
        conf->origin_files = apr_array_make(cmd->pool, 1,
                                            sizeof(cors_live_list *));
    }
    APR_ARRAY_PUSH(conf->origin_files, cors_live_list *) = list;
    if (cors_files_startup_any(conf->origin_files) && conf->credentials == 1) {
        return cors_credentials_conflict(cmd);
    }
    return NULL;
}

static const char *set_token_list(cmd_parms *cmd, cors_token_list **list,
                                  const char *value, int is_method)
{
    const char *problem = cors_token_list_add(cmd->pool, list, value,
                                              is_method);

    if (problem) {
        return apr_psprintf(cmd->pool, "%s: '%s' %s", cmd->cmd->name, value,
                            problem);
    }
    return NULL;
}

static int cors_has_lower(const char *s)
{
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z') {
            return 1;
        }
    }
    return 0;
}

static const char *set_allow_methods(cmd_parms *cmd, void *dconf,
                                     const char *value)
{
    cors_span method = { value, strlen(value) };

    if (!ap_cstr_casecmp(value, "CONNECT") || !ap_cstr_casecmp(value, "TRACE")
        || !ap_cstr_casecmp(value, "TRACK")) {
        return apr_psprintf(cmd->pool, "%s: '%s' is a method no page can "
                            "send (Fetch forbids CONNECT, TRACE and TRACK): "
                            "remove it", cmd->cmd->name, value);
    }
    if (cors_normalise_method(&method) == &method && cors_has_lower(value)) {
        char *upper = apr_pstrdup(cmd->temp_pool, value);
        ap_str_toupper(upper);
        cors_warn(cmd, value, apr_psprintf(cmd->temp_pool, "methods other "
                  "than DELETE GET HEAD OPTIONS POST PUT are case-sensitive, "
                  "so a page calling fetch() with method '%s' matches and one "
                  "writing '%s' does not; write it as your pages do, usually "
                  "upper-case", value, upper));
    }
    return set_token_list(cmd, &((cors_dir_conf *)dconf)->methods, value, 1);
}

/* Fetch's forbidden request-header names: the browser sets them, no script
 * can, so no preflight ever asks for them. */
static int cors_is_forbidden_request_header(const char *name)
{
    static const char *const forbidden[] = {
        "Accept-Charset", "Accept-Encoding", "Access-Control-Request-Headers",
        "Access-Control-Request-Method", "Connection", "Content-Length",
        "Cookie", "Cookie2", "Date", "DNT", "Expect", "Host", "Keep-Alive",
        "Origin", "Referer", "Set-Cookie", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Via", NULL
    };
    const char *const *f;

    if (!ap_cstr_casecmpn(name, "Proxy-", 6)
        || !ap_cstr_casecmpn(name, "Sec-", 4)) {
        return 1;
    }
    for (f = forbidden; *f; f++) {
        if (!ap_cstr_casecmp(name, *f)) {
            return 1;
        }
    }
    return 0;
}

static const char *set_allow_headers(cmd_parms *cmd, void *dconf,
                                     const char *value)
{
    if (cors_is_forbidden_request_header(value)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is a header that only the "
                            "browser sets (one of Fetch's forbidden request "
                            "headers), so no preflight asks for it: remove it",
                            cmd->cmd->name, value);
    }
    return set_token_list(cmd, &((cors_dir_conf *)dconf)->headers, value, 0);
}

static const char *set_expose_headers(cmd_parms *cmd, void *dconf,
                                      const char *value)
{
    if (!ap_cstr_casecmp(value, "Set-Cookie")
        || !ap_cstr_casecmp(value, "Set-Cookie2")) {
        return apr_psprintf(cmd->pool, "%s: '%s' can never be exposed: "
                            "browsers hide it from pages whatever the server "
                            "says; remove it", cmd->cmd->name, value);
    }
    if (cors_is_access_control_header(value)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is a CORS field, which the "
                            "browser reads itself and pages never need: "
                            "remove it", cmd->cmd->name, value);
    }
    return set_token_list(cmd, &((cors_dir_conf *)dconf)->expose, value, 0);
}

static const char *set_allow_credentials(cmd_parms *cmd, void *dconf,
                                         int flag)
{
    cors_dir_conf *conf = dconf;

    conf->credentials = flag;
    if (flag && (cors_set_has_any(conf->origins)
                 || cors_files_startup_any(conf->origin_files))) {
        return cors_credentials_conflict(cmd);
    }
    if (flag) {
        int i;
        cors_warn_plain_http(cmd, conf->origins);
        for (i = 0; conf->origin_files && i < conf->origin_files->nelts; i++) {
            cors_live_list *list = APR_ARRAY_IDX(conf->origin_files, i,
                                                 cors_live_list *);
            if (!list->dbm_type) {
                cors_warn_plain_http(cmd, list->current->set);
            }
        }
    }
    return NULL;
}

static const char *set_max_age(cmd_parms *cmd, void *dconf, const char *value)
{
    cors_dir_conf *conf = dconf;
    apr_int64_t seconds;
    const char *p;

    for (p = value; apr_isdigit(*p); p++)
        ;
    if (p == value || *p || p - value > 10
        || (seconds = apr_atoi64(value)) > APR_INT32_MAX) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds: "
                            "write a whole number from 0 to 2147483647, such "
                            "as 600", cmd->cmd->name, value);
    }
    if (seconds > 7200) {
        cors_warn(cmd, value, "Chromium caps Access-Control-Max-Age at 7200 "
                  "seconds, Firefox at 86400 and WebKit (Safari) at 600, so "
                  "browsers repeat preflights sooner than this says");
    }
    conf->max_age = apr_psprintf(cmd->pool, "%" APR_INT64_T_FMT, seconds);
    return NULL;
}

static const char *set_preflight_status(cmd_parms *cmd, void *dconf,
                                        const char *value)
{
    cors_dir_conf *conf = dconf;

    if (!strcmp(value, "200")) {
        conf->preflight_status = HTTP_OK;
    }
    else if (!strcmp(value, "204")) {
        conf->preflight_status = HTTP_NO_CONTENT;
    }
    else {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a status a preflight "
                            "can be answered with: use 204 (the default) or "
                            "200", cmd->cmd->name, value);
    }
    return NULL;
}

#define CORS_FLAG(name, field, help) \
    AP_INIT_FLAG(name, ap_set_flag_slot, \
                 (void *)APR_OFFSETOF(cors_dir_conf, field), OR_FILEINFO, help)

static const command_rec cors_cmds[] = {
    AP_INIT_ITERATE("CORSAllowOrigin", set_allow_origin, NULL, OR_FILEINFO,
                    "Origins allowed to read responses: scheme://host[:port], "
                    "https://*.example.com (subdomains), http://localhost:* "
                    "(any port), null, or * (any origin)"),
    AP_INIT_TAKE1("CORSAllowOriginRegex", set_allow_origin_regex, NULL,
                  OR_FILEINFO,
                  "A regular expression matched, case-insensitively, against "
                  "the whole Origin value"),
    AP_INIT_TAKE1("CORSAllowOriginFile", set_allow_origin_file, NULL,
                  OR_FILEINFO,
                  "A file of allowed origins or patterns, one a line, "
                  "# comments (not in .htaccess)"),
    AP_INIT_ITERATE("CORSAllowMethods", set_allow_methods, NULL, OR_FILEINFO,
                    "Methods a preflight may ask for, or *; default GET HEAD "
                    "POST"),
    AP_INIT_ITERATE("CORSAllowHeaders", set_allow_headers, NULL, OR_FILEINFO,
                    "Request header names a preflight may ask for, or *"),
    AP_INIT_ITERATE("CORSExposeHeaders", set_expose_headers, NULL,
                    OR_FILEINFO,
                    "Response header names the page may read, or *"),
    AP_INIT_FLAG("CORSAllowCredentials", set_allow_credentials, NULL,
                 OR_FILEINFO,
                 "On to let allowed origins send cookies and HTTP "
                 "authentication; default Off"),
    AP_INIT_TAKE1("CORSMaxAge", set_max_age, NULL, OR_FILEINFO,
                  "Seconds a browser may cache a preflight answer; default: "
                  "no Access-Control-Max-Age"),
    AP_INIT_TAKE1("CORSPreflightStatus", set_preflight_status, NULL,
                  OR_FILEINFO,
                  "The status of an answered preflight: 204 (default) or 200"),
    CORS_FLAG("CORSPreflightPassthrough", preflight_passthrough,
              "On to pass allowed preflights through authentication and the "
              "handler instead of answering them; default Off"),
    CORS_FLAG("CORSAllowPrivateNetwork", private_network,
              "On to answer Private Network Access preflights; default Off"),
    CORS_FLAG("CORSRejectDisallowed", reject_disallowed,
              "On to answer 403 to cross-origin requests from disallowed "
              "origins; default Off"),
    CORS_FLAG("CORSReplaceBackendHeaders", replace_backend_headers,
              "On (default) to remove Access-Control-* headers set by "
              "handlers, CGI scripts or proxied backends"),
    CORS_FLAG("CORSEnable", enable,
              "Off to switch CORS handling off here; default On wherever an "
              "origin rule applies"),
    CORS_FLAG("CORSCheckWebSocketOrigin", check_websocket_origin,
              "On (default) to answer 403 to WebSocket handshakes from "
              "origins the origin rules do not allow"),
    CORS_FLAG("CORSReportOnly", report_only,
              "On to decide, log and count without adding, removing, "
              "answering or rejecting anything; default Off"),
    CORS_FLAG("CORSTimingAllowOrigin", timing_allow_origin,
              "On to send Timing-Allow-Origin with the value of every "
              "Access-Control-Allow-Origin; default Off"),
    {NULL}
};

/* --------------------------------------------------------------------- */
/* Decisions                                                              */
/* --------------------------------------------------------------------- */

typedef enum {
    CORS_NO_ORIGIN,
    CORS_SAME_ORIGIN,
    CORS_ALLOWED,
    CORS_PREFLIGHT,
    CORS_DENIED_ORIGIN,
    CORS_DENIED_METHOD,
    CORS_DENIED_HEADERS,
    CORS_DENIED_MALFORMED
} cors_result;

/* The values of CORS_RESULT, by cors_result. */
static const char *const cors_result_names[] = {
    NULL, "same-origin", "allowed", "preflight", "denied:origin",
    "denied:method", "denied:headers", "denied:malformed"
};

#define CORS_IS_DENIED(result) ((result) >= CORS_DENIED_ORIGIN)

/* Counts each decision for mod_status (see "Counters" below). */
static void cors_count(request_rec *r, cors_result result);

/* What mod_cors decided for the request the client sent.  Internal
 * redirects and error documents share it. */
typedef struct {
    const cors_dir_conf *conf;   /* NULL: CORS is not enabled there */
    cors_result result;
    const char *origin;          /* as received */
    const char *denied_name;     /* the first method or header not allowed */
    int wildcard;                /* answer "*" */
    int credentials;             /* answer Access-Control-Allow-Credentials */
    int answer_preflight;        /* with the preflight fields, even denied */
    const char *allow_methods;   /* preflights */
    const char *allow_headers;   /* preflights; NULL: none */
    int private_network;         /* preflights */
    int websocket;               /* a WebSocket handshake: no CORS fields */
    int by_fetch_metadata;       /* same-origin as Sec-Fetch-Site says */
    int lone_wildcard;           /* see cors_is_lone_wildcard */
    int answered;                /* a preflight answered in header_parser */
} cors_decision;

static const cors_decision cors_not_enabled;

/* Marks a request while the quick handlers run; see cors_quick_handler_first. */
static const cors_decision cors_quick_handler_answer;

static int cors_is_enabled(const cors_dir_conf *conf)
{
    if (conf->enable != CORS_UNSET) {
        return conf->enable;
    }
    return conf->origins || conf->origin_files || conf->origin_regexes;
}

static int cors_set_only_any(const cors_origin_set *set)
{
    return !set || (set->any && !set->opaque && !set->count);
}

/* A lone "*" without credentials: the answer is the same for every request,
 * so every response carries it, one stored in a cache included (Fetch,
 * "CORS protocol and HTTP caches"). */
static int cors_is_lone_wildcard(const cors_dir_conf *conf,
                                 const cors_live_pins *pins)
{
    return conf->credentials != 1 && !conf->origin_regexes
           && (cors_set_has_any(conf->origins) || (pins && pins->any))
           && cors_set_only_any(conf->origins) && (!pins || pins->only_any);
}

/* Whether the answer depends on Origin, so responses must say Vary: Origin:
 * always, except for a lone "*" that rejects nothing. */
static int cors_varies_by_origin(const cors_decision *d)
{
    return !d->lone_wildcard || d->conf->reject_disallowed == 1;
}

/* The host (without a trailing dot) and port of "host[:port]" or
 * "[v6][:port]". */
static void cors_split_authority(const char *s, apr_size_t len,
                                 apr_size_t *host_len, const char **port,
                                 apr_size_t *port_len)
{
    const char *colon;

    if (len && s[0] == '[') {
        colon = memchr(s, ']', len);
        colon = colon && colon + 1 < s + len && colon[1] == ':'
                ? colon + 1 : NULL;
    }
    else {
        colon = memchr(s, ':', len);
    }
    *host_len = colon ? (apr_size_t)(colon - s) : len;
    *port = colon ? colon + 1 : s + len;
    *port_len = colon ? len - *host_len - 1 : 0;
    if (*host_len > 1 && s[*host_len - 1] == '.') {
        (*host_len)--;
    }
}

/* The request fields a decision reads, found in one pass over headers_in:
 * an apr_table_get() that finds its field costs as much as the pass. */
typedef struct {
    const char *origin;
    const char *host;
    const char *sec_fetch_site;
    const char *upgrade;
    const char *request_method;         /* Access-Control-Request-Method */
    const char *request_headers;        /* Access-Control-Request-Headers */
    const char *request_private_network;
} cors_request_fields;

static void cors_read_fields(const request_rec *r, cors_request_fields *f)
{
    const apr_array_header_t *fields = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)fields->elts;
    int i;

    memset(f, 0, sizeof(*f));
    for (i = 0; i < fields->nelts; i++) {
        const char *name = e[i].key, **slot = NULL;
        /* The first letter rules out most fields without a comparison. */
        switch (name[0] | 0x20) {
        case 'h':
            slot = CORS_FIELD_IS(name, "host") ? &f->host : NULL;
            break;
        case 'o':
            slot = CORS_FIELD_IS(name, "origin") ? &f->origin : NULL;
            break;
        case 'u':
            slot = CORS_FIELD_IS(name, "upgrade") ? &f->upgrade : NULL;
            break;
        case 's':
            slot = CORS_FIELD_IS(name, "sec-fetch-site")
                   ? &f->sec_fetch_site : NULL;
            break;
        case 'a': {
            /* The three names differ in length: one comparison at most. */
            apr_size_t len = strlen(name);
            slot = CORS_FIELD_LEN_IS(name, len,
                                     "access-control-request-method")
                   ? &f->request_method
                   : CORS_FIELD_LEN_IS(name, len,
                                       "access-control-request-headers")
                   ? &f->request_headers
                   : CORS_FIELD_LEN_IS(name, len,
                                   "access-control-request-private-network")
                   ? &f->request_private_network : NULL;
            break;
        }
        }
        /* The first of repeated fields, as apr_table_get() finds. */
        if (slot && !*slot) {
            *slot = e[i].val;
        }
    }
}

/* Whether the normalised origin is the request's own: the scheme it came
 * over, the Host it was sent to and its port, a default port left out and
 * a trailing dot ignored on both sides. */
static int cors_is_own_origin(request_rec *r, const char *host,
                              const char *key, apr_size_t len)
{
    const char *authority, *scheme, *port, *own_port;
    apr_size_t scheme_len, host_len, port_len, own_host_len, own_port_len;
    int default_port;

    /* A normalised key's scheme ends at its first ':'. */
    scheme_len = cors_http_scheme_len(key, len);
    authority = scheme_len ? key + scheme_len : memchr(key, ':', len);
    if (!host || !authority || (apr_size_t)(key + len - authority) < 3
        || memcmp(authority, "://", 3)) {
        return 0;
    }
    scheme_len = authority - key;
    authority += 3;
    /* The first letter tells most cross-origin requests apart. */
    if (CORS_LOWER(host[0]) != authority[0]) {
        return 0;
    }
    cors_split_authority(authority, key + len - authority, &host_len, &port,
                         &port_len);
    cors_split_authority(host, strlen(host), &own_host_len, &own_port,
                         &own_port_len);
    /* The host first: it tells most cross-origin requests apart, and the
     * scheme costs a hook call. */
    if (host_len != own_host_len
        || ap_cstr_casecmpn(authority, host, host_len)) {
        return 0;
    }
    scheme = ap_http_scheme(r);
    if (strlen(scheme) != scheme_len || memcmp(key, scheme, scheme_len)) {
        return 0;
    }
    default_port = cors_default_port(scheme, scheme_len);
    if (own_port_len && default_port != CORS_PORT_NONE
        && atoi(own_port) == default_port) {
        own_port_len = 0;
    }
    return port_len == own_port_len && !memcmp(port, own_port, port_len);
}

/* Browsers set Sec-Fetch-Site themselves and no script can; it tells a
 * same-origin request that carries "Origin: null" (a form POST under
 * Referrer-Policy: no-referrer) or comes through a proxy that changed Host. */
static int cors_is_same_origin_fetch(const cors_request_fields *f)
{
    return f->sec_fetch_site && !strcmp(f->sec_fetch_site, "same-origin");
}

/* A WebSocket opening handshake: browsers send Origin with it but never
 * read CORS fields on the answer. */
static int cors_is_websocket_handshake(request_rec *r,
                                       const cors_request_fields *f)
{
    return r->method_number == M_GET && f->upgrade
           && ap_find_token(r->pool, f->upgrade, "websocket");
}

typedef enum { CORS_NOT_LISTED, CORS_BY_WILDCARD, CORS_LISTED } cors_match;

/* Matches an origin (key NULL: "null") against the origin rules. */
static cors_match cors_match_origin(request_rec *r, const cors_dir_conf *conf,
                                    const cors_live_pins *pins,
                                    const char *origin, cors_origin_key *key)
{
    int any = cors_set_has_any(conf->origins) || (pins && pins->any);
    int i;

    /* Without credentials "*" answers for everyone: nothing to look up. */
    if (any && conf->credentials != 1) {
        return CORS_BY_WILDCARD;
    }
    if (!key) {
        /* "null", the opaque origin, only where listed as such. */
        if ((conf->origins && conf->origins->opaque)
            || (pins && pins->opaque)) {
            return CORS_LISTED;
        }
        return any ? CORS_BY_WILDCARD : CORS_NOT_LISTED;
    }
    if (key->listed
        || (conf->origins && cors_origin_set_matches(r->pool, conf->origins, key))
        || cors_files_match(r, pins, key)) {
        return CORS_LISTED;
    }
    for (i = 0; conf->origin_regexes && i < conf->origin_regexes->nelts; i++) {
        ap_regex_t *re = APR_ARRAY_IDX(conf->origin_regexes, i, ap_regex_t *);
        ap_regmatch_t match;
        /* Only a match of the whole value counts, whatever verbs such as
         * (*ACCEPT) the expression holds. */
        if (!ap_regexec(re, origin, 1, &match, 0) && match.rm_so == 0
            && (apr_size_t)match.rm_eo == strlen(origin)) {
            return CORS_LISTED;
        }
    }
    return any ? CORS_BY_WILDCARD : CORS_NOT_LISTED;
}

/* "*" in CORSAllowHeaders: the requested names, since "*" would not cover
 * Authorization. */
static const char *cors_echo_request_headers(apr_pool_t *p,
                                             const cors_span *names, int count)
{
    apr_size_t size = 1;
    char *list, *w;
    int i;

    if (!count) {
        return NULL;
    }
    for (i = 0; i < count; i++) {
        size += names[i].len + 2;
    }
    list = w = apr_palloc(p, size);
    for (i = 0; i < count; i++) {
        if (i) {
            memcpy(w, ", ", 2);
            w += 2;
        }
        memcpy(w, names[i].name, names[i].len);
        w += names[i].len;
    }
    *w = '\0';
    return list;
}

/* Decides a preflight from an allowed origin: the method, then the
 * requested headers.  Within Fetch's limits the answer carries the
 * configured lists even when it denies, so that the browser's console
 * names the method or header at fault. */
static cors_result cors_decide_preflight(request_rec *r, cors_decision *d,
                                         const cors_request_fields *f)
{
    const cors_dir_conf *conf = d->conf;
    cors_span requested = { f->request_method, strlen(f->request_method) };
    const cors_span *method;
    cors_span names[CORS_MAX_REQUEST_HEADERS];
    cors_result result = CORS_PREFLIGHT;
    int count, i, normalised, safelisted;

    count = f->request_headers
            ? cors_split_request_headers(f->request_headers, names) : 0;
    /* No browser sends these: they get no CORS fields. */
    if (!cors_is_token(requested.name, requested.len)) {
        return CORS_DENIED_METHOD;
    }
    if (count < 0) {
        return CORS_DENIED_HEADERS;
    }
    d->answer_preflight = 1;
    normalised = cors_normalised_index(&requested);
    method = normalised < 0 ? &requested
                            : &cors_normalised_methods[normalised];
    safelisted = normalised >= 0 && normalised < CORS_SAFELISTED_METHODS;
    if (!conf->methods) {
        d->allow_methods = "GET, HEAD, POST";
        if (!safelisted) {
            result = CORS_DENIED_METHOD;
        }
    }
    else if (conf->methods->any) {
        /* Browsers read "*" literally when credentials are included. */
        d->allow_methods = d->credentials ? method->name : "*";
    }
    else {
        d->allow_methods = conf->methods->value;
        if (!safelisted
            && !cors_methods_have(conf->methods, normalised, method)) {
            result = CORS_DENIED_METHOD;
        }
    }
    if (result == CORS_DENIED_METHOD) {
        d->denied_name = requested.name;
    }

    if (conf->headers && conf->headers->any) {
        d->allow_headers = cors_echo_request_headers(r->pool, names, count);
    }
    else {
        d->allow_headers = conf->headers ? conf->headers->value : NULL;
        for (i = 0; i < count && result == CORS_PREFLIGHT; i++) {
            if (!conf->headers
                || !cors_token_list_has(conf->headers, names[i].name,
                                        names[i].len)) {
                result = CORS_DENIED_HEADERS;
                d->denied_name = apr_pstrmemdup(r->pool, names[i].name,
                                                names[i].len);
            }
        }
    }

    if (result == CORS_PREFLIGHT && conf->private_network == 1) {
        d->private_network = f->request_private_network
                             && !strcmp(f->request_private_network, "true");
    }
    return result;
}

/* httpd escapes every error log message, so request values go in as they
 * came: escaping them here would show a backslash that was never sent. */
static void cors_log_decision(request_rec *r, const cors_decision *d)
{
    const char *detail = "";

    if (!CORS_IS_DENIED(d->result)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "CORS %s: Origin '%s' for %s %s",
                      cors_result_names[d->result], d->origin, r->method,
                      r->unparsed_uri);
        return;
    }
    if (!APLOGrinfo(r)) {
        return;
    }
    switch (d->result) {
    case CORS_DENIED_ORIGIN:
        detail = ": the origin matches no origin rule";
        break;
    case CORS_DENIED_METHOD:
        detail = apr_pstrcat(r->pool, ": method '",
                             apr_table_get(r->headers_in,
                                           "Access-Control-Request-Method"),
                             d->denied_name ? "' is not in CORSAllowMethods"
                                            : "' is not a method token", NULL);
        break;
    case CORS_DENIED_HEADERS:
        detail = d->denied_name
                 ? apr_pstrcat(r->pool, ": request header '", d->denied_name,
                               "' is not in CORSAllowHeaders", NULL)
                 : apr_pstrcat(r->pool, ": Access-Control-Request-Headers '",
                               apr_table_get(r->headers_in,
                                    "Access-Control-Request-Headers"),
                               "' holds more than 64 names, more than 4 KiB "
                               "or a name that is not a token", NULL);
        break;
    default:
        detail = ": Origin is not scheme://host[:port] or null";
        break;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "CORS %s: Origin '%s' for %s %s%s%s",
                  cors_result_names[d->result], d->origin, r->method,
                  r->unparsed_uri, d->websocket ? " (WebSocket handshake)" : "",
                  detail);
}

/* Decides for a request with an Origin: malformed, same-origin, denied,
 * allowed, or a preflight's answer. */
static cors_result cors_decide_origin(request_rec *r, cors_decision *d,
                                      const cors_live_pins *pins,
                                      const cors_request_fields *f)
{
    const cors_dir_conf *conf = d->conf;
    const char *origin = f->origin;
    apr_size_t len = strlen(origin);
    cors_origin_key key;
    cors_match match;

    if (len == 4 && !memcmp(origin, "null", 4)) {
        if (cors_is_same_origin_fetch(f)) {
            d->by_fetch_metadata = 1;
            return CORS_SAME_ORIGIN;
        }
        match = cors_match_origin(r, conf, pins, origin, NULL);
    }
    else if (!cors_make_request_key(r->pool, conf->origins,
                                    cors_files_list(r, pins, origin, len),
                                    origin, len, &key)) {
        return CORS_DENIED_MALFORMED;
    }
    else if (cors_is_own_origin(r, f->host, key.key, key.len)) {
        return CORS_SAME_ORIGIN;
    }
    else if (cors_is_same_origin_fetch(f)) {
        d->by_fetch_metadata = 1;
        return CORS_SAME_ORIGIN;
    }
    else {
        match = cors_match_origin(r, conf, pins, origin, &key);
    }

    if (match == CORS_NOT_LISTED) {
        return CORS_DENIED_ORIGIN;
    }
    d->wildcard = (match == CORS_BY_WILDCARD);
    d->credentials = !d->wildcard && conf->credentials == 1;
    if (r->method_number == M_OPTIONS && f->request_method) {
        return cors_decide_preflight(r, d, f);
    }
    return CORS_ALLOWED;
}

/* Classifies the request the client sent, with the configuration of its
 * URL: no Origin, malformed, same-origin, preflight or actual request. */
static const cors_decision *cors_decide(request_rec *r)
{
    const cors_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                     &cors_module);
    cors_request_fields fields;
    cors_live_pins pinned, *pins;
    cors_decision *d;

    if (!cors_is_enabled(conf)) {
        return &cors_not_enabled;
    }
    d = apr_pcalloc(r->pool, sizeof(*d));
    d->conf = conf;
    cors_read_fields(r, &fields);
    d->websocket = cors_is_websocket_handshake(r, &fields);
    /* Without an Origin nothing is looked up, and no version held. */
    pins = cors_live_pin(r, conf->origin_files, &pinned,
                         fields.origin != NULL);
    d->lone_wildcard = cors_is_lone_wildcard(conf, pins);
    if (!fields.origin) {
        d->result = CORS_NO_ORIGIN;
        return d;
    }
    d->origin = fields.origin;
    d->result = cors_decide_origin(r, d, pins, &fields);
    cors_live_unpin(pins);
    apr_table_addn(r->subprocess_env, "CORS_RESULT",
                   cors_result_names[d->result]);
    cors_log_decision(r, d);
    cors_count(r, d->result);
    return d;
}

/* The decision for r: made once for the request the client sent, and
 * shared by the internal redirects and error documents that follow it. */
static const cors_decision *cors_decision_for(request_rec *r)
{
    const cors_decision *d = ap_get_module_config(r->request_config,
                                                  &cors_module);
    request_rec *first = r;

    if (d && d != &cors_quick_handler_answer) {
        return d;
    }
    while (first->prev) {
        first = first->prev;
    }
    if (first != r) {
        d = cors_decision_for(first);
        if (d->origin) {
            apr_table_setn(r->subprocess_env, "CORS_RESULT",
                           cors_result_names[d->result]);
        }
    }
    else {
        d = cors_decide(r);
    }
    ap_set_module_config(r->request_config, &cors_module, (void *)d);
    return d;
}

/* CORSRejectDisallowed answered 403 (in header_parser): the error response
 * and the error documents after it carry no CORS fields. */
static int cors_is_rejected(const cors_decision *d)
{
    return CORS_IS_DENIED(d->result) && d->conf->reject_disallowed == 1;
}


/* --------------------------------------------------------------------- */
/* Response headers                                                       */
/* --------------------------------------------------------------------- */

#define CORS_VARY_PREFLIGHT \
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
#define CORS_VARY_PREFLIGHT_PRIVATE_NETWORK \
    CORS_VARY_PREFLIGHT ", Access-Control-Request-Private-Network"

/* Removes every Access-Control-* field, so that mod_cors's are the only
 * ones; returns whether the table has a Vary field, which the same pass
 * finds for cors_merge_vary. */
static int cors_remove_access_control_headers(apr_table_t *t)
{
    const apr_array_header_t *fields = apr_table_elts(t);
    int i, vary = 0;

    for (i = 0; i < fields->nelts; ) {
        const char *name = APR_ARRAY_IDX(fields, i, apr_table_entry_t).key;
        if (cors_is_access_control_header(name)) {
            apr_table_unset(t, name);   /* compacts: look at i again */
            continue;
        }
        vary |= (name[0] | 0x20) == 'v' && CORS_FIELD_IS(name, "vary");
        i++;
    }
    return vary;
}

/* Adds a field no table holds yet: replacing removed them all before, and
 * without replacing a handler's own field of this name stays alone. */
static APR_INLINE void cors_set_header(request_rec *r, int replace,
                                       const char *name, const char *value)
{
    if (!replace && (apr_table_get(r->headers_out, name)
                     || apr_table_get(r->err_headers_out, name))) {
        return;
    }
    apr_table_addn(r->headers_out, name, value);
}

static int cors_list_has_token(const char *list, const char *token,
                               apr_size_t len)
{
    const char *p = list;

    while (*p) {
        const char *start, *end;
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        start = p;
        while (*p && *p != ',') {
            p++;
        }
        for (end = p; end > start && (end[-1] == ' ' || end[-1] == '\t');
             end--)
            ;
        if ((apr_size_t)(end - start) == len
            && !ap_cstr_casecmpn(start, token, len)) {
            return 1;
        }
    }
    return 0;
}

typedef struct {
    const char *token;
    apr_size_t len;
    int found;
} cors_vary_search;

static int cors_vary_field_has(void *rec, const char *key, const char *value)
{
    cors_vary_search *search = rec;

    (void)key;

    search->found = cors_list_has_token(value, search->token, search->len);
    return !search->found;
}

/* Adds each token of a comma-separated list to Vary unless Vary has it
 * (vary: whether either table may have a Vary field). */
static void cors_merge_vary(request_rec *r, const char *tokens, int vary)
{
    const char *p = tokens;

    if (!vary || (!apr_table_get(r->headers_out, "Vary")
                  && !apr_table_get(r->err_headers_out, "Vary"))) {
        apr_table_addn(r->headers_out, "Vary", tokens);
        return;
    }

    while (*p) {
        cors_vary_search search;
        const char *end = strchr(p, ',');

        search.token = p;
        search.len = end ? (apr_size_t)(end - p) : strlen(p);
        search.found = 0;
        apr_table_do(cors_vary_field_has, &search, r->headers_out, "Vary",
                     NULL);
        if (!search.found) {
            apr_table_do(cors_vary_field_has, &search, r->err_headers_out,
                         "Vary", NULL);
        }
        if (!search.found) {
            apr_table_mergen(r->headers_out, "Vary",
                             apr_pstrmemdup(r->pool, p, search.len));
        }
        if (!end) {
            break;
        }
        for (p = end + 1; *p == ' '; p++)
            ;
    }
}

/* Headers a page can always read, which Access-Control-Expose-Headers
 * need not name. */
static int cors_is_safelisted_response_header(const char *name)
{
    static const char *const safelisted[] = {
        "Cache-Control", "Content-Language", "Content-Length",
        "Content-Type", "Expires", "Last-Modified", "Pragma", NULL
    };
    const char *const *s;

    for (s = safelisted; *s; s++) {
        if (!ap_cstr_casecmp(name, *s)) {
            return 1;
        }
    }
    return 0;
}

typedef struct {
    apr_pool_t *pool;
    apr_array_header_t *names;
} cors_exposed_names;

static int cors_collect_exposable(void *rec, const char *name,
                                  const char *value)
{
    cors_exposed_names *exposed = rec;
    int i;

    (void)value;

    if (cors_is_safelisted_response_header(name)
        || cors_is_access_control_header(name)
        || !ap_cstr_casecmp(name, "Set-Cookie")) {
        return 1;
    }
    for (i = 0; i < exposed->names->nelts; i++) {
        if (!ap_cstr_casecmp(APR_ARRAY_IDX(exposed->names, i, const char *),
                             name)) {
            return 1;
        }
    }
    APR_ARRAY_PUSH(exposed->names, const char *) = name;
    return 1;
}

/* "CORSExposeHeaders *" with credentials: browsers read "*" literally
 * then, so name the response's own headers, and Content-Range. */
static const char *cors_exposable_headers(request_rec *r)
{
    cors_exposed_names exposed;

    exposed.pool = r->pool;
    exposed.names = apr_array_make(r->pool, 8, sizeof(const char *));
    apr_table_do(cors_collect_exposable, &exposed, r->headers_out, NULL);
    apr_table_do(cors_collect_exposable, &exposed, r->err_headers_out, NULL);
    /* httpd's byte-range filter adds it after mod_cors, and a response
     * stored in a cache is replayed to requests with and without Range. */
    cors_collect_exposable(&exposed, "Content-Range", NULL);
    return apr_array_pstrcat(r->pool, exposed.names, ',');
}

/* Stands for the decision when CORSReplaceBackendHeaders Off meets a
 * handler's own Access-Control-Allow-Origin: only Vary remains to add. */
static const cors_decision cors_handler_answered = {
    .result = CORS_NO_ORIGIN
};

/* Access-Control-Allow-Origin, and with CORSTimingAllowOrigin On the same
 * value in Timing-Allow-Origin, so the page's Resource Timing entries show
 * real timings. */
static void cors_set_allow_origin(request_rec *r, int replace,
                                  const cors_dir_conf *conf, const char *value)
{
    cors_set_header(r, replace, "Access-Control-Allow-Origin", value);
    if (conf->timing_allow_origin == 1) {
        apr_table_unset(r->err_headers_out, "Timing-Allow-Origin");
        apr_table_setn(r->headers_out, "Timing-Allow-Origin", value);
    }
}

/* Writes the decision into the response headers.  Safe to repeat: the
 * fields are removed first, or found and left alone, and Vary is merged. */
static void cors_write_headers(request_rec *r, const cors_decision *d)
{
    const cors_dir_conf *conf = d->conf;
    int replace = conf->replace_backend_headers != 0;
    int lone_wildcard = d->lone_wildcard;
    int varies = cors_varies_by_origin(d);
    int vary = 1;

    if (replace) {
        vary = cors_remove_access_control_headers(r->headers_out);
        if (!apr_is_empty_table(r->err_headers_out)) {
            vary |= cors_remove_access_control_headers(r->err_headers_out);
        }
    }
    else if (apr_table_get(r->headers_out, "Access-Control-Allow-Origin")
             || apr_table_get(r->err_headers_out,
                              "Access-Control-Allow-Origin")) {
        /* The handler answered CORS itself: completing its answer could
         * pair its "*" with our credentials, which browsers refuse. */
        d = &cors_handler_answered;
        lone_wildcard = 0;
    }
    if (d->answer_preflight && !cors_is_rejected(d)) {
        cors_set_allow_origin(r, replace, conf, d->wildcard ? "*" : d->origin);
        if (d->credentials) {
            cors_set_header(r, replace, "Access-Control-Allow-Credentials",
                            "true");
        }
        cors_set_header(r, replace, "Access-Control-Allow-Methods",
                        d->allow_methods);
        if (d->allow_headers) {
            cors_set_header(r, replace, "Access-Control-Allow-Headers",
                            d->allow_headers);
        }
        /* A denial is not to be remembered. */
        if (conf->max_age && d->result == CORS_PREFLIGHT) {
            cors_set_header(r, replace, "Access-Control-Max-Age",
                            conf->max_age);
        }
        if (d->private_network) {
            cors_set_header(r, replace,
                            "Access-Control-Allow-Private-Network", "true");
        }
        cors_merge_vary(r, conf->private_network == 1
                           ? CORS_VARY_PREFLIGHT_PRIVATE_NETWORK
                           : CORS_VARY_PREFLIGHT, vary);
        return;
    }
    if (varies) {
        cors_merge_vary(r, d->by_fetch_metadata ? "Origin, Sec-Fetch-Site"
                                                : "Origin", vary);
    }
    if (cors_is_rejected(d)
        || !(d->result == CORS_ALLOWED || lone_wildcard)) {
        return;
    }
    cors_set_allow_origin(r, replace, conf,
                          d->wildcard || lone_wildcard ? "*" : d->origin);
    if (d->credentials) {
        cors_set_header(r, replace, "Access-Control-Allow-Credentials",
                        "true");
    }
    if (conf->expose) {
        const char *exposed = conf->expose->value;
        if (conf->expose->any) {
            /* Last, so that the list names every header but its own. */
            exposed = d->credentials ? cors_exposable_headers(r) : "*";
        }
        cors_set_header(r, replace, "Access-Control-Expose-Headers", exposed);
    }
}

/* --------------------------------------------------------------------- */
/* Report-only: what mod_cors would have sent, beside what was sent       */
/* --------------------------------------------------------------------- */

static int cors_collect_access_control(void *rec, const char *name,
                                       const char *value)
{
    if (cors_is_access_control_header(name)) {
        apr_table_addn(rec, name, value);
    }
    return 1;
}

static apr_table_t *cors_access_control_fields(request_rec *r)
{
    apr_table_t *fields = apr_table_make(r->pool, 8);

    apr_table_do(cors_collect_access_control, fields, r->headers_out, NULL);
    apr_table_do(cors_collect_access_control, fields, r->err_headers_out,
                 NULL);
    return fields;
}

typedef struct {
    apr_pool_t *pool;
    apr_table_t *other;          /* the fields compared with */
    apr_array_header_t *lines;   /* const char *, one per difference */
    int sent;                    /* this side was sent, the other would be */
} cors_difference_walk;

static int cors_count_fields(void *rec, const char *name, const char *value)
{
    (void)name; (void)value;
    (*(int *)rec)++;
    return 1;
}

static int cors_note_difference(void *rec, const char *name,
                                const char *value)
{
    cors_difference_walk *walk = rec;
    const char *other = apr_table_get(walk->other, name);

    if (!other) {
        APR_ARRAY_PUSH(walk->lines, const char *) = apr_psprintf(walk->pool,
            walk->sent ? "extra %s: '%s'" : "missing %s: '%s'", name, value);
    }
    else if (walk->sent && strcmp(value, other)) {
        APR_ARRAY_PUSH(walk->lines, const char *) = apr_psprintf(walk->pool,
            "%s: '%s' where mod_cors would send '%s'", name, value, other);
    }
    return 1;
}

static int cors_note_repeated(void *rec, const char *name, const char *value)
{
    cors_difference_walk *walk = rec;
    int count = 0;

    (void)value;
    apr_table_do(cors_count_fields, &count, walk->other, name, NULL);
    if (count > 1) {
        APR_ARRAY_PUSH(walk->lines, const char *) = apr_psprintf(walk->pool,
            "%s sent %d times", name, count);
    }
    return 1;
}

/* A field sent twice is one difference, not two: the walks above note it
 * once for each time it was sent. */
static void cors_remove_repeated_lines(apr_array_header_t *lines)
{
    const char **line = (const char **)lines->elts;
    int i, j, kept = 0;

    for (i = 0; i < lines->nelts; i++) {
        for (j = 0; j < kept && strcmp(line[j], line[i]); j++)
            ;
        if (j == kept) {
            line[kept++] = line[i];
        }
    }
    lines->nelts = kept;
}

/* CORSReportOnly: logs, at info, how the response's Access-Control-* fields
 * differ from those mod_cors would have written, without changing any. */
static void cors_report_differences(request_rec *r, const cors_decision *d)
{
    apr_table_t *headers_out = r->headers_out;
    apr_table_t *err_headers_out = r->err_headers_out;
    apr_table_t *sent, *would;
    cors_difference_walk walk;

    if (!APLOGrinfo(r)) {
        return;
    }
    sent = cors_access_control_fields(r);
    r->headers_out = apr_table_copy(r->pool, headers_out);
    r->err_headers_out = apr_table_copy(r->pool, err_headers_out);
    cors_write_headers(r, d);
    would = cors_access_control_fields(r);
    r->headers_out = headers_out;
    r->err_headers_out = err_headers_out;

    walk.pool = r->pool;
    walk.lines = apr_array_make(r->pool, 4, sizeof(const char *));
    walk.other = sent;
    walk.sent = 1;
    apr_table_do(cors_note_repeated, &walk, sent, NULL);
    walk.other = would;
    apr_table_do(cors_note_difference, &walk, sent, NULL);
    walk.other = sent;
    walk.sent = 0;
    apr_table_do(cors_note_difference, &walk, would, NULL);
    if (walk.lines->nelts) {
        cors_remove_repeated_lines(walk.lines);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "CORS report-only: %s %s, Origin '%s' (%s), status "
                      "%d: %s", r->method, r->unparsed_uri,
                      d->origin ? d->origin : "(none)",
                      d->origin ? cors_result_names[d->result] : "no Origin",
                      r->status, apr_array_pstrcat(r->pool, walk.lines, ';'));
    }
}

/* --------------------------------------------------------------------- */
/* Counters: how many requests had each CORS_RESULT, per virtual host,    */
/* summed over every child process, shown by mod_status                   */
/* --------------------------------------------------------------------- */

#define CORS_RESULTS (CORS_DENIED_MALFORMED + 1)

typedef struct {
    int index;                   /* the virtual host's row of counters */
} cors_server_conf;

/* One row of counters per virtual host, in shared memory that every child
 * inherits, incremented atomically: counting takes no lock.  The memory
 * belongs to the process pool, so a graceful restart keeps the counts while
 * the number of virtual hosts stays the same. */
typedef struct {
    apr_shm_t *shm;
    int servers;
} cors_counters_memory;

#define CORS_COUNTERS_KEY "mod_cors counters"

static apr_uint64_t *cors_counters;

static void *create_cors_server_config(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(cors_server_conf));
}

/* With AP_MODULE_FLAG_ALWAYS_MERGE, every virtual host gets its own row of
 * counters, also one that sets no mod_cors directive. */
static void *merge_cors_server_config(apr_pool_t *p, void *basev, void *addv)
{
    (void)basev; (void)addv;
    return apr_pcalloc(p, sizeof(cors_server_conf));
}

static void cors_count(request_rec *r, cors_result result)
{
    const cors_server_conf *sconf;

    if (cors_counters) {
        sconf = ap_get_module_config(r->server->module_config, &cors_module);
        apr_atomic_inc64(&cors_counters[sconf->index * CORS_RESULTS + result]);
    }
}

static int cors_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    apr_pool_t *process_pool = s->process->pool;
    cors_counters_memory *memory = NULL;
    server_rec *vhost;
    apr_status_t rv;
    int servers = 0;

    (void)pconf; (void)plog; (void)ptemp;
    for (vhost = s; vhost; vhost = vhost->next) {
        cors_server_conf *sconf = ap_get_module_config(vhost->module_config,
                                                       &cors_module);
        sconf->index = servers++;
    }
    apr_pool_userdata_get((void **)&memory, CORS_COUNTERS_KEY, process_pool);
    if (memory && memory->servers != servers) {
        apr_shm_destroy(memory->shm);
        memory = NULL;
    }
    if (!memory) {
        memory = apr_pcalloc(process_pool, sizeof(*memory));
        rv = apr_shm_create(&memory->shm, servers * CORS_RESULTS
                            * sizeof(apr_uint64_t), NULL, process_pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                         "cannot create the shared memory of mod_cors's "
                         "counters: server-status will not show them");
            apr_pool_userdata_set(NULL, CORS_COUNTERS_KEY, NULL,
                                  process_pool);
            cors_counters = NULL;
            return OK;
        }
        memory->servers = servers;
        memset(apr_shm_baseaddr_get(memory->shm), 0,
               apr_shm_size_get(memory->shm));
        apr_pool_userdata_set(memory, CORS_COUNTERS_KEY, NULL, process_pool);
    }
    cors_counters = apr_shm_baseaddr_get(memory->shm);
    return OK;
}

/* The CORS_RESULT values in the order server-status lists them, with the
 * key of server-status?auto. */
static const struct {
    cors_result result;
    const char *key;
} cors_status_rows[] = {
    { CORS_ALLOWED, "CORSAllowed" },
    { CORS_PREFLIGHT, "CORSPreflight" },
    { CORS_SAME_ORIGIN, "CORSSameOrigin" },
    { CORS_DENIED_ORIGIN, "CORSDeniedOrigin" },
    { CORS_DENIED_METHOD, "CORSDeniedMethod" },
    { CORS_DENIED_HEADERS, "CORSDeniedHeaders" },
    { CORS_DENIED_MALFORMED, "CORSDeniedMalformed" }
};

#define CORS_STATUS_ROWS \
    (sizeof(cors_status_rows) / sizeof(cors_status_rows[0]))

static int cors_status_hook(request_rec *r, int flags)
{
    server_rec *s;
    apr_size_t i;

    if (!cors_counters) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        for (i = 0; i < CORS_STATUS_ROWS; i++) {
            apr_uint64_t total = 0;
            for (s = ap_server_conf; s; s = s->next) {
                const cors_server_conf *sconf =
                    ap_get_module_config(s->module_config, &cors_module);
                total += apr_atomic_read64(&cors_counters[sconf->index
                                           * CORS_RESULTS
                                           + cors_status_rows[i].result]);
            }
            ap_rprintf(r, "%s: %" APR_UINT64_T_FMT "\n",
                       cors_status_rows[i].key, total);
        }
        return OK;
    }
    ap_rputs("<hr />\n<h2>mod_cors: requests by CORS_RESULT since start</h2>\n"
             "<table border=\"1\"><tr><th>virtual host</th>", r);
    for (i = 0; i < CORS_STATUS_ROWS; i++) {
        ap_rprintf(r, "<th>%s</th>",
                   cors_result_names[cors_status_rows[i].result]);
    }
    ap_rputs("</tr>\n", r);
    for (s = ap_server_conf; s; s = s->next) {
        const cors_server_conf *sconf = ap_get_module_config(s->module_config,
                                                             &cors_module);
        ap_rprintf(r, "<tr><td>%s:%u</td>",
                   ap_escape_html(r->pool, s->server_hostname
                                           ? s->server_hostname : "*"),
                   (unsigned)s->port);
        for (i = 0; i < CORS_STATUS_ROWS; i++) {
            ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>",
                       apr_atomic_read64(&cors_counters[sconf->index
                                         * CORS_RESULTS
                                         + cors_status_rows[i].result]));
        }
        ap_rputs("</tr>\n", r);
    }
    ap_rputs("</table>\n", r);
    return OK;
}

/* --------------------------------------------------------------------- */
/* Request phases                                                         */
/* --------------------------------------------------------------------- */

/* quick_handler, first and last: mod_cache answers a hit from its quick
 * handler, before the per-directory configuration is known and before
 * header_parser.  The first hook marks the request, the last one, reached
 * only when every quick handler declined, clears the mark.  A response a
 * quick handler answered keeps the CORS fields stored with it, which the
 * decision of its URL's configuration wrote before mod_cache's save filter,
 * with Vary: Origin wherever they depend on the Origin. */
static int cors_quick_handler_first(request_rec *r, int lookup)
{
    if (!lookup) {
        ap_set_module_config(r->request_config, &cors_module,
                             (void *)&cors_quick_handler_answer);
    }
    return DECLINED;
}

static int cors_quick_handler_last(request_rec *r, int lookup)
{
    if (!lookup) {
        ap_set_module_config(r->request_config, &cors_module, NULL);
    }
    return DECLINED;
}

/* header_parser: the first phase with the merged per-directory (and
 * .htaccess) configuration, and still before authentication, which a
 * preflight never carries. */
static int cors_header_parser(request_rec *r)
{
    const cors_decision *d = cors_decision_for(r);
    const cors_dir_conf *conf = d->conf;

    if (!conf || r->prev || conf->report_only == 1) {
        return DECLINED;
    }
    if (d->websocket) {
        /* CORS fields cannot protect a WebSocket: its Origin is checked. */
        if (conf->check_websocket_origin != 0 && CORS_IS_DENIED(d->result)) {
            return HTTP_FORBIDDEN;
        }
        return DECLINED;
    }
    if (cors_is_rejected(d)) {
        return HTTP_FORBIDDEN;
    }
    if (d->answer_preflight && conf->preflight_passthrough != 1) {
        cors_decision *answered = ap_get_module_config(r->request_config,
                                                       &cors_module);
        answered->answered = 1;
        r->status = conf->preflight_status != CORS_UNSET
                    ? conf->preflight_status : HTTP_NO_CONTENT;
        if (r->status == HTTP_OK) {
            ap_set_content_length(r, 0);
        }
        /* The answer is a response of the server like any other: the
         * filters every response gets (mod_headers' "Header always", and
         * mod_cors's own, which writes the fields) run on it too. */
        ap_run_insert_filter(r);
        return DONE;
    }
    return DECLINED;
}

/* insert_filter (responses from a handler) and insert_error_filter
 * (responses httpd makes itself: 401, 403, 404, 413, redirects ..., which
 * keep only err_headers_out set before them). */
static void cors_insert_filter(request_rec *r)
{
    const cors_decision *d;

    if (r->main || ap_get_module_config(r->request_config, &cors_module)
                   == &cors_quick_handler_answer) {
        return;
    }
    d = cors_decision_for(r);
    if (!d->conf || d->websocket) {
        return;
    }
    /* A preflight answered in header_parser meets no handler: when no
     * filter was inserted before the protocol's either (mod_headers' would
     * be), nothing can write a field after these. */
    if (d->answered && r->output_filters == r->proto_output_filters) {
        cors_write_headers(r, d);
        return;
    }
    ap_add_output_filter_handle(cors_filter_handle, (void *)d, r,
                                r->connection);
}

/* A content-set filter after mod_headers' (inserted later, at the same
 * type), so it sees the headers every handler and mod_headers wrote, and
 * before mod_cache's save filter, so a stored response carries the fields
 * and Vary: Origin. */
static apr_status_t cors_output_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    const cors_decision *d = f->ctx;

    /* Once, before the first part of the response: the filter stays and
     * passes the rest on, which costs less than removing it. */
    if (d) {
        f->ctx = NULL;
        if (d->conf->report_only == 1) {
            cors_report_differences(f->r, d);
        }
        else {
            cors_write_headers(f->r, d);
        }
    }
    return ap_pass_brigade(f->next, bb);
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_quick_handler(cors_quick_handler_first, NULL, NULL,
                          APR_HOOK_REALLY_FIRST);
    ap_hook_quick_handler(cors_quick_handler_last, NULL, NULL,
                          APR_HOOK_REALLY_LAST);
    ap_hook_post_config(cors_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, cors_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    ap_hook_header_parser(cors_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_insert_filter(cors_insert_filter, NULL, NULL,
                          APR_HOOK_REALLY_LAST);
    ap_hook_insert_error_filter(cors_insert_filter, NULL, NULL,
                                APR_HOOK_REALLY_LAST);
    ap_hook_child_init(cors_live_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(cors_live_monitor, NULL, NULL, APR_HOOK_MIDDLE);
    cors_filter_handle = ap_register_output_filter(CORS_FILTER_NAME,
                                                   cors_output_filter, NULL,
                                                   AP_FTYPE_CONTENT_SET);
}

module AP_MODULE_DECLARE_DATA cors_module = {
    STANDARD20_MODULE_STUFF,
    create_cors_dir_config,     /* create per-directory config */
    merge_cors_dir_config,      /* merge per-directory config */
    create_cors_server_config,  /* create per-server config */
    merge_cors_server_config,   /* merge per-server config */
    cors_cmds,                  /* command table */
    register_hooks,             /* register hooks */
    AP_MODULE_FLAG_ALWAYS_MERGE /* a row of counters for every virtual host */
};
