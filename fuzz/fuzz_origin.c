/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_origin: parsing and normalising one origin, as a browser's Origin
 * header (patterns off) and as a configured origin rule (patterns on):
 * cors_parse_origin, cors_normalise_origin, cors_origin_problem and
 * cors_origin_set_add.  The input is the value.
 *
 * Properties:
 * - mod_cors accepts exactly what ref_origin.h's reading of the grammar
 *   accepts, and normalises it to the same string;
 * - the normalised form re-parses to itself (idempotent), is canonical,
 *   lower-case, never longer than the value; a value that parsed as
 *   canonical is byte-equal to its normalised form (the request path then
 *   uses it as the look-up key as it is);
 * - a browser's origin never holds '*', and what parses without patterns
 *   parses the same with them;
 * - a value the grammar accepts is a rule exactly when its host, if WHATWG
 *   URL parsing takes it for an IP address, is written as browsers write
 *   it (ref_origin.h's own IPv4/IPv6 parser and serialiser): an invalid
 *   address, "*." before an address, or another spelling (127.1,
 *   0x7f.0.0.1, 127.0.0.1., [0:0::1], [::ffff:127.0.0.1]) is refused by
 *   cors_origin_set_add, the last with a message suggesting the origin as
 *   browsers send it, which is canonical and itself accepted;
 * - an accepted rule is in the set under its normalised form and an exact
 *   origin, parsed as a request's, is found there;
 * - a refused value gets a message, the same from cors_origin_set_add
 *   (which says "comma-separated list" first for a value holding ','), and
 *   a path, query or fragment is cut at the right place.
 */

#include "fuzz.h"
#include "ref_origin.h"
#include "../mod_cors.c"

static int has_upper(const char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z') {
            return 1;
        }
    }
    return 0;
}

static void check_one(apr_pool_t *p, const char *s, int patterns,
                      const char **normalised)
{
    apr_size_t len = strlen(s);
    cors_origin_parts o, again;
    cors_origin_status status;
    ref_origin ref;
    int ref_ok = ref_parse_origin(p, s, patterns, &ref);
    char *n, *n2;

    *normalised = NULL;
    status = cors_parse_origin(s, len, patterns, &o);

    if (status != CORS_ORIGIN_OK) {
        const char *problem = cors_origin_problem(p, s, status, &o);

        FUZZ_CHECK(!ref_ok, "refused (status %d, patterns %d) an origin the "
                   "grammar allows: '%s'", status, patterns, s);
        FUZZ_CHECK(problem && *problem, "no message for status %d", status);
        switch (status) {
        case CORS_ORIGIN_TRAILING_SLASH:
        case CORS_ORIGIN_PATH:
        case CORS_ORIGIN_QUERY:
        case CORS_ORIGIN_FRAGMENT:
            FUZZ_CHECK(o.origin_len > 0 && o.origin_len < len
                       && strchr("/?#", s[o.origin_len])
                       && strstr(problem, apr_pstrmemdup(p, s, o.origin_len)),
                       "'%s': status %d cut at %zu: %s", s, status,
                       (size_t)o.origin_len, problem);
            break;
        case CORS_ORIGIN_NON_ASCII: {
            const char *c;
            for (c = s; *c && (unsigned char)*c < 0x80; c++)
                ;
            FUZZ_CHECK(*c, "'%s' called non-ASCII", s);
            break;
        }
        case CORS_ORIGIN_USERINFO:
            FUZZ_CHECK(strchr(s, '@'), "'%s' said to hold user info", s);
            break;
        default:
            break;
        }
        if (patterns && strcmp(s, "*") && strcmp(s, "null")) {
            cors_origin_set *set = cors_origin_set_make(p);
            const char *added = cors_origin_set_add(p, set, s);
            FUZZ_CHECK(added && (strchr(s, ',')
                                 ? !strncmp(added, "is a comma-separated "
                                            "list", 25)
                                 : !strcmp(added, problem)),
                       "'%s': set_add says '%s', parse says '%s'", s,
                       added ? added : "OK", problem);
            FUZZ_CHECK(set->count == 0 && !set->any
                       && !set->opaque, "'%s' refused but added", s);
        }
        return;
    }

    FUZZ_CHECK(ref_ok, "accepted (patterns %d) an origin the grammar "
               "refuses: '%s'", patterns, s);
    FUZZ_CHECK(o.scheme_len > 0 && o.host_len > 0
               && o.host >= s && o.host + o.host_len <= s + len,
               "'%s': spans out of the value", s);
    FUZZ_CHECK(patterns || (!o.subdomains && o.port != CORS_PORT_ANY),
               "'%s': a pattern without patterns", s);
    FUZZ_CHECK(o.port == CORS_PORT_NONE || o.port == CORS_PORT_ANY
               || (o.port >= 1 && o.port <= 65535), "'%s': port %d", s,
               o.port);

    n = cors_normalise_origin(p, s, &o);
    *normalised = n;
    FUZZ_CHECK(!strcmp(n, ref.normalised), "'%s' normalised to '%s', the "
               "grammar says '%s'", s, n, ref.normalised);
    FUZZ_CHECK(strlen(n) <= len, "'%s' normalised to the longer '%s'", s, n);
    FUZZ_CHECK(!has_upper(n), "'%s' normalised to '%s'", s, n);
    FUZZ_CHECK(patterns || !strchr(n, '*'), "origin '%s' normalised to "
               "'%s'", s, n);
    FUZZ_CHECK(!o.canonical || !strcmp(n, s), "'%s' parsed as canonical "
               "but normalises to '%s'", s, n);

    status = cors_parse_origin(n, strlen(n), patterns, &again);
    FUZZ_CHECK(status == CORS_ORIGIN_OK, "normalised '%s' (from '%s') "
               "re-parses with status %d", n, s, status);
    FUZZ_CHECK(again.canonical, "normalised '%s' (from '%s') is not "
               "canonical", n, s);
    FUZZ_CHECK(again.scheme_len == o.scheme_len && again.host_len == o.host_len
               && again.port == o.port && again.subdomains == o.subdomains,
               "'%s' and its normalised '%s' parse differently", s, n);
    n2 = cors_normalise_origin(p, n, &again);
    FUZZ_CHECK(!strcmp(n, n2), "normalising '%s' twice gives '%s'", n, n2);

    if (patterns) {
        cors_origin_set *set = cors_origin_set_make(p);
        const char *added = cors_origin_set_add(p, set, s);
        cors_origin_parts req;
        ref_origin rule;
        const char *suggest;
        int kind = ref_rule_problem(p, s, &rule, &suggest);

        FUZZ_CHECK(kind != REF_RULE_COMMA && kind != REF_RULE_GRAMMAR,
                   "'%s' parses, ref_rule_problem says %d", s, kind);
        if (kind != REF_RULE_OK) {
            FUZZ_CHECK(added && strstr(added, "IP address"), "'%s' (IP host "
                       "problem %d) accepted or refused for another reason: "
                       "%s", s, kind, added ? added : "accepted");
            FUZZ_CHECK(set->count == 0 && !set->has_patterns,
                       "'%s' refused but added", s);
            if (kind == REF_RULE_IP_SPELLING) {
                cors_origin_set *again_set = cors_origin_set_make(p);
                const char *again_added;
                cors_origin_parts so;

                FUZZ_CHECK(strstr(added, apr_psprintf(p, "write '%s'",
                                                      suggest)),
                           "'%s': message does not suggest '%s': %s", s,
                           suggest, added);
                FUZZ_CHECK(cors_parse_origin(suggest, strlen(suggest), 1, &so)
                           == CORS_ORIGIN_OK && so.canonical,
                           "'%s': the suggested '%s' is not canonical", s,
                           suggest);
                again_added = cors_origin_set_add(p, again_set, suggest);
                FUZZ_CHECK(!again_added && cors_origin_set_find(again_set, suggest,
                                                                strlen(suggest)),
                           "'%s': the suggested '%s' is refused: %s", s,
                           suggest, again_added ? again_added : "(not listed)");
            }
            else {
                FUZZ_CHECK(!strstr(added, "write '"), "'%s' (IP host problem "
                           "%d) suggests an origin: %s", s, kind, added);
            }
            return;
        }
        FUZZ_CHECK(!added, "'%s' parses but set_add says: %s", s, added);
        FUZZ_CHECK(set->count == 1
                   && cors_origin_set_find(set, n, strlen(n)),
                   "'%s' is not in its set as '%s'", s, n);
        FUZZ_CHECK(set->has_patterns == (o.subdomains
                                         || o.port == CORS_PORT_ANY),
                   "'%s': has_patterns %d", s, set->has_patterns);
        if (cors_parse_origin(s, len, 0, &req) == CORS_ORIGIN_OK) {
            cors_origin_key key;
            cors_make_origin_key(p, s, len, &req, &key);
            FUZZ_CHECK(!strcmp(key.key, n), "'%s': key '%s', rule '%s'", s,
                       key.key, n);
            FUZZ_CHECK(cors_origin_set_matches(p, set, &key), "'%s' listed "
                       "but not found", s);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin_input();
    char *s = apr_pstrmemdup(p, (const char *)data, size);
    const char *as_origin, *as_rule;

    check_one(p, s, 0, &as_origin);
    check_one(p, s, 1, &as_rule);
    FUZZ_CHECK(!as_origin || (as_rule && !strcmp(as_origin, as_rule)),
               "'%s': origin '%s', rule '%s'", s, as_origin,
               as_rule ? as_rule : "(refused)");
    fuzz_end_input(p);
    return 0;
}
