/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * fuzz_config: the directives, through mod_cors's command table, as httpd
 * calls them (set_allow_origin and cors_origin_set_add's refusals,
 * set_allow_origin_file, the token lists, CORSMaxAge,
 * CORSPreflightStatus, the flags, the credentials conflict), then
 * merge_cors_dir_config.
 *
 * Input: lines "Directive arguments".  A line "<Location>" starts a child
 * section; a line "----" ends the directives, and what follows is the
 * file origins.txt, which "CORSAllowOriginFile origins.txt" reads.  As in
 * httpd, the first refusal ends the configuration.
 *
 * Properties:
 * - a refusal names the directive first, and quotes the argument (the
 *   credentials conflict names both directives instead);
 * - CORSAllowOrigin accepts exactly "*", "null" and what ref_origin.h's
 *   ref_rule_problem accepts as a rule (the grammar, no ',', an IP host
 *   only as browsers write it and never after "*."), and lists the rule
 *   under its normalised form; CORSAllowOriginFile accepts exactly a file
 *   whose lines, comments ('#' first or after a blank), blanks and a
 *   byte-order mark starting the file removed, are one such value or
 *   empty;
 * - CORSAllowMethods, CORSAllowHeaders and CORSExposeHeaders refuse
 *   exactly a value that is not a token, '*' beside a name, and what no
 *   browser can use: CONNECT, TRACE and TRACK (any case); Fetch's
 *   forbidden request-header names, Proxy-* and Sec-*; Set-Cookie,
 *   Set-Cookie2 and Access-Control-*; an accepted value is in the list
 *   (a method normalised), or '*' sets it to any;
 * - CORSMaxAge accepts exactly 1 to 10 digits up to 2147483647 and keeps
 *   the number without leading zeros; CORSPreflightStatus exactly 200 and
 *   204; a flag keeps On or Off;
 * - no section that was accepted has both '*' and credentials On;
 * - the merged section takes each directive from the child where the
 *   child sets it, else from the parent, the three origin rules
 *   (CORSAllowOrigin, CORSAllowOriginRegex, CORSAllowOriginFile) as one
 *   setting: all three from the child when it sets any; it varies by
 *   Origin unless its only rule is '*' without credentials and
 *   CORSRejectDisallowed is not On.
 */

#include "fuzz.h"
#include "ref_origin.h"
#include "../mod_cors.c"
#include "fuzz_cmd.h"

#define FILE_NAME "origins.txt"

/* Whether cors_origin_set_add should accept w: "*", "null", or what the
 * grammar accepts without ',' and with an IP host as browsers write it. */
static int ref_rule(apr_pool_t *p, const char *w)
{
    ref_origin o;
    const char *suggest;

    return ref_rule_problem(p, w, &o, &suggest) == REF_RULE_OK;
}

static int caseeq(const char *a, const char *b)
{
    return fuzz_ascii_caseeq(a, strlen(a), b, strlen(b));
}

static int caseprefix(const char *s, const char *prefix)
{
    return strlen(s) >= strlen(prefix)
           && fuzz_ascii_caseeq(s, strlen(prefix), prefix, strlen(prefix));
}

/* Values no browser can use (Fetch): forbidden methods, forbidden
 * request-header names, response headers a page can never read. */
static int ref_unusable(const char *directive, const char *w)
{
    static const char *const forbidden_request[] = {
        "Accept-Charset", "Accept-Encoding",
        "Access-Control-Request-Headers", "Access-Control-Request-Method",
        "Connection", "Content-Length", "Cookie", "Cookie2", "Date", "DNT",
        "Expect", "Host", "Keep-Alive", "Origin", "Referer", "Set-Cookie",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Via"
    };
    apr_size_t i;

    if (!strcmp(directive, "CORSAllowMethods")) {
        return caseeq(w, "CONNECT") || caseeq(w, "TRACE")
               || caseeq(w, "TRACK");
    }
    if (!strcmp(directive, "CORSAllowHeaders")) {
        for (i = 0; i < sizeof(forbidden_request) / sizeof(char *); i++) {
            if (caseeq(w, forbidden_request[i])) {
                return 1;
            }
        }
        return caseprefix(w, "Proxy-") || caseprefix(w, "Sec-");
    }
    return caseeq(w, "Set-Cookie") || caseeq(w, "Set-Cookie2")
           || caseprefix(w, "Access-Control-");
}

/* The list a token directive adds to. */
static cors_token_list *token_list(cors_dir_conf *conf, const char *directive)
{
    return !strcmp(directive, "CORSAllowMethods") ? conf->methods
           : !strcmp(directive, "CORSAllowHeaders") ? conf->headers
           : conf->expose;
}

/* Whether the origin file is acceptable, as SPEC.md and the directive's
 * help describe it; sets *any when it lists '*'. */
static int ref_origin_file(apr_pool_t *p, const char *text, apr_size_t len,
                           int *any)
{
    const char *line = text, *end = text + len;

    *any = 0;
    while (line < end) {
        const char *nl = memchr(line, '\n', end - line);
        const char *stop = nl ? nl : end, *c;
        char *value;
        apr_size_t n;

        if (memchr(line, '\0', stop - line)) {
            return 0;       /* a text file has no NUL byte */
        }
        /* A UTF-8 byte-order mark starting the file is ignored (SPEC.md):
         * the first line is what follows it. */
        if (line == text && stop - line >= 3
            && !memcmp(line, "\xEF\xBB\xBF", 3)) {
            line += 3;
        }

        for (c = line; c < stop; c++) {
            if (*c == '#' && (c == line || apr_isspace(c[-1]))) {
                break;
            }
        }
        value = apr_pstrmemdup(p, line, c - line);
        while (apr_isspace(*value)) {
            value++;
        }
        for (n = strlen(value); n && apr_isspace(value[n - 1]); n--) {
            value[n - 1] = '\0';
        }
        line = stop + 1;
        if (!*value) {
            continue;
        }
        if (strpbrk(value, " \t\v\f\r") || !ref_rule(p, value)) {
            return 0;
        }
        *any |= !strcmp(value, "*");
    }
    return 1;
}

static int is_max_age(const char *w, long long *seconds)
{
    const char *c;

    for (c = w; *c >= '0' && *c <= '9'; c++)
        ;
    if (c == w || *c || c - w > 10) {
        return 0;
    }
    *seconds = atoll(w);
    return *seconds <= 2147483647LL;
}

typedef struct {
    apr_pool_t *p;
    const char *file;
    apr_size_t file_len;
} config_input;

/* Applies one directive line; returns 0 when httpd would stop. */
static int apply(const config_input *in, cors_dir_conf *conf,
                 const char *line, int line_num)
{
    apr_pool_t *p = in->p;
    char *name = apr_pstrdup(p, line), *args, *w, *last;
    const command_rec *c;
    fuzz_cmd fc;
    cmd_parms *cmd;
    const char *problem = NULL;

    args = name + strcspn(name, " \t");
    if (*args) {
        *args++ = '\0';
    }
    args += strspn(args, " \t");
    c = fuzz_find_command(name);
    if (!c) {
        return 1;   /* not ours: httpd would refuse it, mod_cors never sees it */
    }
    cmd = fuzz_make_cmd(p, &fc, c->name, line_num);

    switch (c->args_how) {
    case TAKE1:
        w = apr_strtok(apr_pstrdup(p, args), " \t", &last);
        if (!w || apr_strtok(NULL, " \t", &last)) {
            return 1;   /* httpd: "takes one argument" */
        }
        problem = c->AP_TAKE1(cmd, conf, w);
        break;
    case ITERATE:
        for (w = apr_strtok(apr_pstrdup(p, args), " \t", &last); w && !problem;
             w = apr_strtok(NULL, " \t", &last)) {
            int tokens = !strcmp(c->name, "CORSAllowMethods")
                         || !strcmp(c->name, "CORSAllowHeaders")
                         || !strcmp(c->name, "CORSExposeHeaders");
            const cors_token_list *before = tokens ? token_list(conf, c->name)
                                                   : NULL;
            int star = !strcmp(w, "*");
            cors_span written = { w, strlen(w) };
            const cors_span *name = !strcmp(c->name, "CORSAllowMethods")
                                    ? cors_normalise_method(&written)
                                    : &written;
            int before_any = before && before->any;
            int before_names = before ? before->names->nelts : 0;

            problem = c->AP_TAKE1(cmd, conf, w);
            if (tokens) {
                int refused = ref_unusable(c->name, w) || !ref_is_token(w)
                              || (star && before_names)
                              || (!star && before_any);
                cors_token_list *after = token_list(conf, c->name);
                FUZZ_CHECK(refused == (problem != NULL), "%s %s: %s", c->name,
                           w, problem ? problem : "accepted");
                FUZZ_CHECK(problem || (after && (star
                    ? after->any
                    : cors_token_list_has(after, name->name, name->len))),
                    "%s %s accepted, not listed", c->name, w);
            }
            if (!problem && !strcmp(c->name, "CORSAllowOrigin")) {
                cors_origin_parts o;
                FUZZ_CHECK(ref_rule(p, w), "CORSAllowOrigin accepted '%s'",
                           w);
                if (strcmp(w, "*") && strcmp(w, "null")) {
                    const char *key;
                    cors_parse_origin(w, strlen(w), 1, &o);
                    key = cors_normalise_origin(p, w, &o);
                    FUZZ_CHECK(cors_origin_set_find(conf->origins, key,
                                                    strlen(key)),
                               "'%s' accepted, not listed", w);
                }
            }
            if (problem) {
                break;
            }
        }
        break;
    case FLAG:
        w = args;
        if (ap_cstr_casecmp(w, "on") && ap_cstr_casecmp(w, "off")) {
            return 1;   /* httpd: "must be On or Off" */
        }
        problem = c->AP_FLAG(cmd, conf, !ap_cstr_casecmp(w, "on"));
        break;
    default:
        FUZZ_CHECK(0, "%s: unexpected args_how %d", c->name, c->args_how);
    }

    if (problem) {
        FUZZ_CHECK(*problem && !strncmp(problem, c->name, strlen(c->name)),
                   "%s %s: '%s' does not start with the directive", c->name,
                   w, problem);
        FUZZ_CHECK(strstr(problem, apr_psprintf(p, "'%s'", w))
                   || strstr(problem, "CORSAllowCredentials On")
                   || c->args_how == FLAG
                   || !strcmp(c->name, "CORSAllowOriginFile"),
                   "%s %s: '%s' does not quote the argument", c->name, w,
                   problem);
    }

    if (!strcmp(c->name, "CORSAllowOrigin")) {
        FUZZ_CHECK(!problem || !ref_rule(p, w)
                   || (conf->credentials == 1 && !strcmp(w, "*")),
                   "CORSAllowOrigin refused '%s': %s", w, problem);
    }
    else if (!strcmp(c->name, "CORSAllowOriginFile")) {
        int any, ok = (!strcmp(w, FILE_NAME) || (!strncmp(w, "txt:", 4)
                                                 && !strcmp(w + 4, FILE_NAME)))
                      && ref_origin_file(p, in->file, in->file_len, &any);
        FUZZ_CHECK(ok ? !problem || (any && conf->credentials == 1)
                      : problem != NULL,
                   "CORSAllowOriginFile %s (%s): %s", w,
                   ok ? "acceptable" : "not acceptable",
                   problem ? problem : "accepted");
    }
    else if (!strcmp(c->name, "CORSMaxAge")) {
        long long seconds;
        char decimal[32];
        int ok = is_max_age(w, &seconds);
        FUZZ_CHECK(ok == !problem, "CORSMaxAge %s: %s", w,
                   problem ? problem : "accepted");
        snprintf(decimal, sizeof(decimal), "%lld", ok ? seconds : -1LL);
        FUZZ_CHECK(!ok || !strcmp(conf->max_age, decimal),
                   "CORSMaxAge %s kept as %s", w, conf->max_age);
    }
    else if (!strcmp(c->name, "CORSPreflightStatus")) {
        int ok = !strcmp(w, "200") || !strcmp(w, "204");
        FUZZ_CHECK(ok == !problem, "CORSPreflightStatus %s: %s", w,
                   problem ? problem : "accepted");
        FUZZ_CHECK(!ok || conf->preflight_status == atoi(w),
                   "CORSPreflightStatus %s kept as %d", w,
                   conf->preflight_status);
    }
    else if (c->args_how == FLAG && !problem) {
        int on = !ap_cstr_casecmp(w, "on");
        int value = 0;
        if (!strcmp(c->name, "CORSAllowCredentials")) {
            value = conf->credentials;
        }
        else {
            value = *(int *)((char *)conf + (apr_size_t)c->cmd_data);
        }
        FUZZ_CHECK(value == on, "%s %s kept as %d", c->name, w, value);
    }

    if (problem) {
        return 0;
    }
    FUZZ_CHECK(!(conf->credentials == 1 && (cors_set_has_any(conf->origins)
                                            || cors_files_startup_any(
                                                   conf->origin_files))),
               "a section accepted '*' with credentials (after %s %s)",
               c->name, args);
    return 1;
}

static int only_star(const cors_origin_set *set)
{
    return !set || (set->any && !set->opaque && !set->count);
}

/* The same of a section's origin files, as read at start-up. */
static int files_only_star(const apr_array_header_t *files)
{
    int i;

    for (i = 0; files && i < files->nelts; i++) {
        if (!only_star(APR_ARRAY_IDX(files, i, cors_live_list *)->current->set)) {
            return 0;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin_input();
    char **lines;
    int nlines, i, ok = 1, depth = 0;
    cors_dir_conf *confs[2], *merged, *parent, *child;
    config_input in;
    int lone_star;

    nlines = fuzz_lines(p, data, size, &lines);
    in.p = p;
    in.file = "";
    in.file_len = 0;
    for (i = 0; i < nlines; i++) {
        if (!strcmp(lines[i], "----")) {
            const char *sep = memmem(data, size, "\n----\n", 6);
            if (sep || (size >= 5 && !memcmp(data, "----\n", 5))) {
                in.file = sep ? sep + 6 : (const char *)data + 5;
                in.file_len = (const char *)data + size - in.file;
            }
            nlines = i;
            break;
        }
    }
    fuzz_set_config_file(FILE_NAME, in.file, in.file_len);

    confs[0] = create_cors_dir_config(p, NULL);
    confs[1] = create_cors_dir_config(p, NULL);
    for (i = 0; i < nlines && ok; i++) {
        if (!strcmp(lines[i], "<Location>")) {
            depth = 1;
            continue;
        }
        ok = apply(&in, confs[depth], lines[i], i + 1);
    }
    fuzz_set_config_file(NULL, NULL, 0);
    if (!ok) {
        fuzz_end_input(p);
        return 0;
    }

    parent = confs[0];
    child = confs[1];
    merged = merge_cors_dir_config(p, parent, child);
#define MERGED_PTR(field) \
    FUZZ_CHECK(merged->field == (child->field ? child->field : parent->field), \
               "merged " #field)
#define MERGED_INT(field) \
    FUZZ_CHECK(merged->field == (child->field != CORS_UNSET ? child->field \
                                                            : parent->field), \
               "merged " #field)
    /* The three origin rules are one setting (SPEC.md, "Directives"): a
     * child that sets any of them replaces all three. */
    {
        int child_rules = child->origins || child->origin_files
                          || child->origin_regexes;
        const cors_dir_conf *from = child_rules ? child : parent;
        FUZZ_CHECK(merged->origins == from->origins
                   && merged->origin_files == from->origin_files
                   && merged->origin_regexes == from->origin_regexes,
                   "merged origin rules not all from the %s",
                   child_rules ? "child" : "parent");
    }
    MERGED_PTR(methods);
    MERGED_PTR(headers);
    MERGED_PTR(expose);
    MERGED_PTR(max_age);
    MERGED_INT(credentials);
    MERGED_INT(preflight_status);
    MERGED_INT(preflight_passthrough);
    MERGED_INT(private_network);
    MERGED_INT(reject_disallowed);
    MERGED_INT(replace_backend_headers);
    MERGED_INT(enable);
    MERGED_INT(check_websocket_origin);

    FUZZ_CHECK(cors_is_enabled(merged)
               == (merged->enable != CORS_UNSET
                   ? merged->enable
                   : (merged->origins || merged->origin_files
                      || merged->origin_regexes) != 0),
               "merged section enabled %d", cors_is_enabled(merged));
    lone_star = merged->credentials != 1 && !merged->origin_regexes
                && ((merged->origins && merged->origins->any)
                    || cors_files_startup_any(merged->origin_files))
                && only_star(merged->origins)
                && files_only_star(merged->origin_files);
    {
        request_rec r;
        cors_decision d;
        cors_live_pins pinned, *pins;
        memset(&r, 0, sizeof(r));
        memset(&d, 0, sizeof(d));
        r.pool = p;
        /* As cors_decide decides it. */
        d.conf = merged;
        pins = cors_live_pin(&r, merged->origin_files, &pinned, 0);
        d.lone_wildcard = cors_is_lone_wildcard(merged, pins);
        /* With CORSRejectDisallowed On even a lone '*' answers a malformed
         * Origin 403: the answer then depends on Origin. */
        FUZZ_CHECK((!cors_varies_by_origin(&d))
                   == (lone_star && merged->reject_disallowed != 1),
                   "merged section varies by Origin: %d, lone '*' %d, "
                   "CORSRejectDisallowed %d", cors_varies_by_origin(&d),
                   lone_star, merged->reject_disallowed);
    }

    fuzz_end_input(p);
    return 0;
}
