// Debian's libhiredis-dev (0.14): the synchronous client API.
#include <hiredis/hiredis.h>
