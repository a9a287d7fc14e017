/* error.h - one namespace of negative error codes for libcandour.
 *
 * Runtime failures (network, database, input) return one of these; misuse of
 * an API is a bug and asserts instead. 0 is success. */
#ifndef CANDOUR_ERROR_H
#define CANDOUR_ERROR_H

typedef enum {
    CD_OK = 0,
    CD_ENOMEM = -1,      /* allocation failed */
    CD_EINVAL = -2,      /* invalid argument or input */
    CD_EIO = -3,         /* socket, file or database I/O failed */
    CD_ENOTFOUND = -4,   /* no such thing */
    CD_EAGAIN = -5,      /* not now; try again later */
    CD_ECLOSED = -6,     /* the object is closing or closed */
    CD_ETOOBIG = -7,     /* input over a size limit */
    CD_EDB = -8          /* the database reported an error */
} cd_err_t;

/* A short, static, plain-English name for an error code. */
const char *cd_strerror(int err);

#endif
