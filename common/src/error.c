/* error.c - names for the cd_err_t codes of libcandour.
 *
 * Every module returns these negative codes; daemons put cd_strerror() into
 * a log field so an operator reads "database error" rather than "-8". */
#include "candour/error.h"

/* Map a cd_err_t (or any int) to a short static string. Never returns NULL:
 * an unknown code yields "unknown error" so a caller can always log it. */
const char *cd_strerror(int err)
{
    switch (err) {
    case CD_OK:
        return "success";
    case CD_ENOMEM:
        return "out of memory";
    case CD_EINVAL:
        return "invalid argument or input";
    case CD_EIO:
        return "I/O error";
    case CD_ENOTFOUND:
        return "not found";
    case CD_EAGAIN:
        return "try again later";
    case CD_ECLOSED:
        return "closed";
    case CD_ETOOBIG:
        return "too big";
    case CD_EDB:
        return "database error";
    default:
        return "unknown error";
    }
}
