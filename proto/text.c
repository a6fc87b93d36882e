#include "text.h"
#include <string.h>

bool
text_copy (char *dst, size_t size, const char *src)
{
    if (!src)
        src = "";
    if (size == 0)
        return *src == '\0';
    size_t len = strnlen (src, size);
    if (len == size) {
        memcpy (dst, src, size - 1);
        dst[size - 1] = '\0';
        return false;
    }
    memcpy (dst, src, len + 1);
    return true;
}
