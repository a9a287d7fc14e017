/* tls.c - HTTPS for the staff API, by libmicrohttpd (GnuTLS), when a
 * certificate and its key are configured. Without them the gateway speaks
 * plain HTTP, which is for loopback behind a TLS proxy only (README). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"

/* A PEM file's text (at most 64 KiB), or NULL. */
static char *s_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(65537);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    int over = buf && fgetc(f) != EOF;
    fclose(f);
    if (!buf || !n || over) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    return buf;
}

int gw_tls(cd_http_server_t *api)
{
    int cert = *gw_app.tls_cert_file != 0, key = *gw_app.tls_key_file != 0;
    if (!cert && !key)
        return 0;
    char *c = cert ? s_read(gw_app.tls_cert_file) : NULL;
    char *k = key ? s_read(gw_app.tls_key_file) : NULL;
    int rc = c && k ? cd_http_server_set_tls(api, c, k) : -1;
    if (rc != 0)
        fprintf(stderr, "candour-gateway: CANDOUR_GATEWAY_TLS_CERT_FILE and _KEY_FILE must both"
                        " name readable PEM files of at most 64 KiB (and this libmicrohttpd must"
                        " have TLS)\n");
    if (k)
        memset(k, 0, strlen(k));
    free(c);
    free(k);
    return rc;
}
