/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_regex: CORSAllowOriginRegex (set_allow_origin_regex, which anchors
 * the expression, and the regex step of cors_match_origin).
 *
 * Input: a mode byte, then a line A and a line B.
 *
 * Even mode: the rule is A with every character that is not a letter or a
 * digit escaped, a regex that stands for A literally.  Properties: it is
 * accepted; of A, B, A+B, B+A and A in the other case, exactly those equal
 * to A case-insensitively match (so the anchoring holds: A plus anything
 * never matches), directly and through cors_match_origin.
 *
 * Odd mode: the rule is A as written.  Properties: a rule is called "not
 * a valid regular expression" exactly when PCRE2 refuses it on its own
 * with httpd's options (PCRE2_DUPNAMES included), and the message gives
 * PCRE2's offset and the text before it; a refused rule gets a message naming the directive
 * and quoting A; of B, A+B, B+A and A, an
 * Origin that cors_match_origin lists is one that A, compiled by PCRE2 on
 * its own, matches from its first character to its last (SPEC: "matched
 * against the whole Origin value ... an unanchored regex can therefore
 * never match a longer origin"), whatever A holds: alternatives, verbs
 * such as (*ACCEPT), quoting, comments.
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fuzz.h"
#include "../mod_cors.c"
#include "fuzz_cmd.h"

/* Whether A alone, as httpd would compile it for mod_cors, matches the
 * whole of s: PCRE2_ANCHORED and PCRE2_ENDANCHORED, no wrapping. */
static int whole_match(const char *a, const char *s)
{
    int error, rc;
    PCRE2_SIZE offset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)a, PCRE2_ZERO_TERMINATED,
                                   PCRE2_CASELESS | PCRE2_DOTALL
                                   | PCRE2_DOLLAR_ENDONLY | PCRE2_DUPNAMES,
                                   &error, &offset, NULL);
    pcre2_match_data *md;

    if (!re) {
        return 0;
    }
    md = pcre2_match_data_create_from_pattern(re, NULL);
    rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0,
                     PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc >= 0;
}

static int rule_matches(const ap_regex_t *re, const char *s)
{
    return !ap_regexec(re, s, 0, NULL, 0);
}

static char *escape_all(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 2 * strlen(s) + 1), *w = out;

    for (; *s; s++) {
        if (!apr_isalnum(*s)) {
            *w++ = '\\';
        }
        *w++ = *s;
    }
    *w = '\0';
    return out;
}

static char *swap_case(apr_pool_t *p, const char *s)
{
    char *out = apr_pstrdup(p, s), *c;

    for (c = out; *c; c++) {
        if (apr_islower(*c)) {
            *c = apr_toupper(*c);
        }
        else if (apr_isupper(*c)) {
            *c = apr_tolower(*c);
        }
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char **lines;
    const char *a, *b, *value, *problem, *candidates[5];
    int nlines, literal, i;
    cors_dir_conf *conf;
    fuzz_cmd fc;
    cmd_parms *cmd;
    ap_regex_t *re;
    request_rec r;

    if (size < 1) {
        return 0;
    }
    p = fuzz_begin_input();
    literal = !(data[0] & 1);
    nlines = fuzz_lines(p, data + 1, size - 1, &lines);
    a = lines[0];
    b = nlines > 1 ? lines[1] : "";

    conf = create_cors_dir_config(p, NULL);
    cmd = fuzz_make_cmd(p, &fc, "CORSAllowOriginRegex", 1);
    value = literal ? escape_all(p, a) : a;
    problem = set_allow_origin_regex(cmd, conf, value);

    {
        /* PCRE2's verdict on A alone, with httpd's options. */
        int error;
        PCRE2_SIZE offset;
        pcre2_code *alone = pcre2_compile((PCRE2_SPTR)value,
                                          PCRE2_ZERO_TERMINATED,
                                          PCRE2_CASELESS | PCRE2_DOTALL
                                          | PCRE2_DOLLAR_ENDONLY
                                          | PCRE2_DUPNAMES,
                                          &error, &offset, NULL);
        if (alone) {
            pcre2_code_free(alone);
            FUZZ_CHECK(!problem || !strstr(problem, "is not a valid regular "
                                                    "expression"),
                       "'%s', which PCRE2 compiles with httpd's options, "
                       "called invalid: %s", value, problem);
        }
        else {
            /* Refused, with PCRE2's own offset and what comes before it. */
            FUZZ_CHECK(problem && strstr(problem, apr_psprintf(p,
                           "at offset %" APR_SIZE_T_FMT
                           " ('%s' comes before it)", (apr_size_t)offset,
                           apr_pstrmemdup(p, value, offset))),
                       "'%s' (PCRE2: error %d at offset %zu): %s", value,
                       error, (size_t)offset, problem ? problem : "accepted");
        }
    }

    if (problem) {
        FUZZ_CHECK(!literal, "the literal regex '%s' refused: %s", value,
                   problem);
        FUZZ_CHECK(!strncmp(problem, "CORSAllowOriginRegex: '", 23)
                   && strstr(problem, apr_psprintf(p, "'%s'", value)),
                   "message for '%s': %s", value, problem);
        FUZZ_CHECK(!conf->origin_regexes, "'%s' refused but kept", value);
        fuzz_end_input(p);
        return 0;
    }
    FUZZ_CHECK(conf->origin_regexes && conf->origin_regexes->nelts == 1,
               "'%s' accepted but not kept", value);
    re = APR_ARRAY_IDX(conf->origin_regexes, 0, ap_regex_t *);

    candidates[0] = b;
    candidates[1] = apr_pstrcat(p, a, b, NULL);
    candidates[2] = apr_pstrcat(p, b, a, NULL);
    candidates[3] = a;
    candidates[4] = swap_case(p, a);
    memset(&r, 0, sizeof(r));
    r.pool = p;

    for (i = 0; i < 5; i++) {
        const char *x = candidates[i];
        int parsed, expected;
        cors_origin_key key;
        cors_match match = CORS_NOT_LISTED;

        parsed = cors_make_request_key(p, conf->origins,
                                       cors_files_list(&r, NULL, x, strlen(x)),
                                       x, strlen(x), &key);
        if (parsed) {
            match = cors_match_origin(&r, conf, NULL, x, &key);
        }
        if (literal) {
            int matched = rule_matches(re, x);
            expected = fuzz_ascii_caseeq(x, strlen(x), a, strlen(a));
            FUZZ_CHECK(matched == expected, "'%s' (for '%s') %s '%s'", value,
                       a, matched ? "matches" : "does not match", x);
            FUZZ_CHECK(!parsed || match == (expected ? CORS_LISTED
                                                     : CORS_NOT_LISTED),
                       "'%s' (for '%s'): Origin '%s' answered %d", value, a,
                       x, match);
        }
        else if (match == CORS_LISTED) {
            FUZZ_CHECK(whole_match(a, x), "the rule '%s' lists '%s', which "
                       "it does not match as a whole", value, x);
        }
    }
    fuzz_end_input(p);
    return 0;
}
