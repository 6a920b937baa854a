/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_tokens: method and header-name lists (cors_is_token,
 * cors_normalise_method, cors_token_list_add, cors_token_list_has, and
 * the method step of cors_decide_preflight).
 *
 * Input: a flags byte, then lines.  Every line but the last is an argument
 * of CORSAllowMethods (flags bit 0) or CORSAllowHeaders; the last line is
 * the requested method or header name.  Flags bit 1: credentials.
 *
 * Properties:
 * - cors_is_token agrees with RFC 9110's tchar set, empty never a token;
 * - cors_normalise_method upper-cases exactly DELETE GET HEAD OPTIONS POST
 *   PUT in any case, and returns every other method as it is;
 * - adding refuses exactly a non-token and '*' beside a name; the list
 *   then holds each accepted name once (methods normalised), in order,
 *   and its value is them joined with ", ";
 * - a header name is listed when equal to one case-insensitively; a
 *   method when equal, once normalised, to one byte for byte;
 * - a preflight asking for the method is allowed exactly when it is a
 *   token and GET, HEAD, POST, listed, or the list is '*'; to a token it
 *   answers (answer_preflight), allowed or denied, the list, '*', or with
 *   credentials and '*' the method itself, and a denial names the method;
 *   a method that is not a token gets no answer and no lists;
 * - without CORSAllowMethods exactly GET, HEAD and POST are allowed, and a
 *   token is answered "GET, HEAD, POST", allowed or denied.
 */

#include "fuzz.h"
#include "../mod_cors.c"

#define MAX_TOKENS 64

static const char *ref_normalise_method(const char *m)
{
    static const char *const six[] = {
        "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"
    };
    int i;

    for (i = 0; i < 6; i++) {
        if (fuzz_ascii_caseeq(m, strlen(m), six[i], strlen(six[i]))) {
            return six[i];
        }
    }
    return m;
}

static int ref_same(int is_method, const char *a, const char *b)
{
    return is_method ? !strcmp(a, b)
                     : fuzz_ascii_caseeq(a, strlen(a), b, strlen(b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char **lines;
    const char *names[MAX_TOKENS], *query, *nq, *expected_value = NULL;
    int nlines, nnames = 0, any = 0, is_method, credentials, i, j, listed;
    int failed = 0;
    cors_token_list *list = NULL;

    if (size < 1) {
        return 0;
    }
    p = fuzz_begin_input();
    is_method = data[0] & 1;
    credentials = (data[0] & 2) != 0;
    nlines = fuzz_lines(p, data + 1, size - 1, &lines);
    query = lines[nlines - 1];

    for (i = 0; i < nlines - 1 && i < MAX_TOKENS; i++) {
        const char *t = lines[i];
        const char *n = is_method ? ref_normalise_method(t) : t;
        const char *problem;
        int valid = ref_is_token(t), star = !strcmp(t, "*"), dup = 0;

        FUZZ_CHECK(cors_is_token(t, strlen(t)) == valid, "'%s' token %d", t,
                   !valid);
        if (is_method) {
            cors_span method = { t, strlen(t) };
            const char *m = cors_normalise_method(&method)->name;
            FUZZ_CHECK(n == t ? m == t : !strcmp(m, n),
                       "method '%s' normalised to '%s', expected '%s'", t, m,
                       n);
        }

        problem = cors_token_list_add(p, &list, t, is_method);
        if (!star && !valid) {
            FUZZ_CHECK(problem, "'%s' accepted", t);
            failed = 1;   /* httpd stops at the first error */
            break;
        }
        if (star) {
            any = 1;
        }
        else {
            for (j = 0; j < nnames; j++) {
                dup |= ref_same(is_method, names[j], n);
            }
            if (!dup) {
                names[nnames++] = n;
                expected_value = expected_value
                    ? apr_pstrcat(p, expected_value, ", ", n, NULL) : n;
            }
        }
        FUZZ_CHECK(!problem == !(any && nnames), "'%s' (any %d, %d names): "
                   "%s", t, any, nnames, problem ? problem : "accepted");
        if (problem) {
            failed = 1;
            break;
        }
        FUZZ_CHECK(list && list->any == any && list->names->nelts == nnames,
                   "after '%s': any %d, %d names", t, list ? list->any : -1,
                   list ? list->names->nelts : -1);
        for (j = 0; j < nnames; j++) {
            /* Methods as written, header names in lower case. */
            const cors_span *name = &APR_ARRAY_IDX(list->names, j, cors_span);
            apr_size_t k;
            int lower = 1;
            for (k = 0; k < name->len; k++) {
                lower &= !(name->name[k] >= 'A' && name->name[k] <= 'Z');
            }
            FUZZ_CHECK(name->len == strlen(names[j])
                       && (is_method ? !memcmp(name->name, names[j], name->len)
                                     : lower && fuzz_ascii_caseeq(name->name,
                                                   name->len, names[j],
                                                   name->len)),
                       "name %d: '%.*s', expected '%s'", j, (int)name->len,
                       name->name, names[j]);
        }
        FUZZ_CHECK(expected_value ? list->value
                                    && !strcmp(list->value, expected_value)
                                  : !list->value,
                   "value '%s', expected '%s'",
                   list->value ? list->value : "(none)",
                   expected_value ? expected_value : "(none)");
    }
    if (!list || failed) {
        fuzz_end_input(p);
        return 0;
    }

    nq = is_method ? ref_normalise_method(query) : query;
    listed = 0;
    for (j = 0; j < nnames; j++) {
        listed |= ref_same(is_method, names[j], nq);
    }
    FUZZ_CHECK(cors_token_list_has(list, nq, strlen(nq)) == listed,
               "'%s' listed %d", query, !listed);

    if (is_method) {
        cors_dir_conf *conf = create_cors_dir_config(p, NULL);
        cors_decision d;
        request_rec r;
        cors_request_fields fields;
        cors_result result;
        int token = ref_is_token(query);
        int allowed = token && (any || listed || !strcmp(nq, "GET")
                                || !strcmp(nq, "HEAD")
                                || !strcmp(nq, "POST"));

        memset(&r, 0, sizeof(r));
        memset(&d, 0, sizeof(d));
        r.pool = p;
        r.headers_in = apr_table_make(p, 1);
        memset(&fields, 0, sizeof(fields));
        fields.request_method = query;
        conf->methods = list;
        d.conf = conf;
        d.credentials = credentials;
        result = cors_decide_preflight(&r, &d, &fields);
        FUZZ_CHECK(result == (allowed ? CORS_PREFLIGHT : CORS_DENIED_METHOD),
                   "method '%s': %d", query, result);
        if (token) {
            /* Answered with the lists, denied or not, so that the
             * browser's console names the method at fault. */
            const char *expected = !any ? list->value
                                   : credentials ? nq : "*";
            FUZZ_CHECK(d.answer_preflight && d.allow_methods
                       && !strcmp(d.allow_methods, expected),
                       "method '%s' (%s) answered %d '%s', expected '%s'",
                       query, allowed ? "allowed" : "denied",
                       d.answer_preflight,
                       d.allow_methods ? d.allow_methods : "(none)",
                       expected);
            FUZZ_CHECK(allowed ? !d.denied_name
                               : d.denied_name && !strcmp(d.denied_name, query),
                       "method '%s': denied_name '%s'", query,
                       d.denied_name ? d.denied_name : "(none)");
        }
        else {
            /* No browser sends it: no CORS fields. */
            FUZZ_CHECK(!d.answer_preflight && !d.allow_methods
                       && !d.allow_headers,
                       "non-token method '%s' answered with the lists", query);
        }

        /* Without CORSAllowMethods: GET, HEAD and POST only, answered
         * "GET, HEAD, POST" (to a token) allowed or denied. */
        memset(&d, 0, sizeof(d));
        d.conf = create_cors_dir_config(p, NULL);
        d.credentials = credentials;
        allowed = token && (!strcmp(nq, "GET") || !strcmp(nq, "HEAD")
                            || !strcmp(nq, "POST"));
        result = cors_decide_preflight(&r, &d, &fields);
        FUZZ_CHECK(result == (allowed ? CORS_PREFLIGHT : CORS_DENIED_METHOD),
                   "method '%s' without a list: %d", query, result);
        FUZZ_CHECK(token ? d.answer_preflight && d.allow_methods
                           && !strcmp(d.allow_methods, "GET, HEAD, POST")
                         : !d.answer_preflight && !d.allow_methods,
                   "method '%s' without a list answered %d '%s'", query,
                   d.answer_preflight,
                   d.allow_methods ? d.allow_methods : "(none)");
    }
    fuzz_end_input(p);
    return 0;
}
