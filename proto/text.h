//  text — bounded copies of C strings into the fixed-size buffers that
//  envelopes and records hold: what snprintf (dst, size, "%s", src) does,
//  without parsing a format, which on the message path costs ten times
//  the copy.
#ifndef RM_TEXT_H
#define RM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

//  Copies src (NULL copies "") into dst, which has size bytes, cut short
//  to fit and always NUL-terminated when size > 0. Returns true when src
//  fit whole; false when it was cut (or size is 0 and src is not empty).
bool text_copy (char *dst, size_t size, const char *src);

#endif
