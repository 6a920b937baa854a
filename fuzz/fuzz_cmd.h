/* Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License.  You may obtain
 * a copy of the License at http://www.apache.org/licenses/LICENSE-2.0
 */

/*
 * Calling mod_cors's directive handlers without httpd: the cmd_parms they
 * read (the pools, the directive's command_rec and place in the
 * configuration, a server for start-up warnings).  Include after
 * "../mod_cors.c".
 */

#ifndef MOD_CORS_FUZZ_CMD_H
#define MOD_CORS_FUZZ_CMD_H

typedef struct {
    cmd_parms cmd;
    server_rec server;
    ap_directive_t directive;
} fuzz_cmd;

/* The entry of cors_cmds named name (httpd compares names without case). */
static inline const command_rec *fuzz_find_command(const char *name)
{
    const command_rec *c;

    for (c = cors_cmds; c->name; c++) {
        if (!ap_cstr_casecmp(c->name, name)) {
            return c;
        }
    }
    return NULL;
}

/* A directive on line `line` of the server configuration: pool and
 * temp_pool differ, as they do outside .htaccess. */
static inline cmd_parms *fuzz_make_cmd(apr_pool_t *p, fuzz_cmd *fc,
                                       const char *name, int line)
{
    apr_pool_t *ptemp;

    memset(fc, 0, sizeof(*fc));
    apr_pool_create(&ptemp, p);
    fc->directive.directive = name;
    fc->directive.filename = "fuzz.conf";
    fc->directive.line_num = line;
    fc->cmd.pool = p;
    fc->cmd.temp_pool = ptemp;
    fc->cmd.server = &fc->server;
    fc->cmd.directive = &fc->directive;
    fc->cmd.cmd = fuzz_find_command(name);
    fc->cmd.info = fc->cmd.cmd ? fc->cmd.cmd->cmd_data : NULL;
    fc->cmd.override = OR_ALL | ACCESS_CONF | RSRC_CONF;
    return &fc->cmd;
}

#endif /* MOD_CORS_FUZZ_CMD_H */
