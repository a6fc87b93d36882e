//  progress — how far a long command has got, on stderr: a bar redrawn in
//  place on a terminal, plain lines otherwise (a log or a CI job keeps
//  every one).
#ifndef RM_CLI_PROGRESS_H
#define RM_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *out;
    bool bar;                  //  out is a terminal
    const char *prog;          //  names the command on plain lines
    const char *unit;          //  what is counted ("batches")
    size_t total;
    bool drawn;
} progress_t;

//  Starts showing progress towards total units on out.
void progress_init (progress_t *self, FILE *out, const char *prog, const char *unit, size_t total);

//  Shows that done units (and rows rows) are through.
void progress_show (progress_t *self, size_t done, size_t rows);

//  Ends the bar's line, so what is printed next starts on its own.
void progress_end (progress_t *self);

#endif
