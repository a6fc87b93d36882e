//  feedread — how fast `retailmesh import` reads and checks a bulk feed:
//  it writes files of --rows rows (stock and prices as CSV, stock as JSON
//  lines) and times import_read on each (reading every row, turning it into
//  a batch item and checking it, what --dry-run does) against plain line
//  reading of the same file with fgets, in the same run. Prints the median
//  of --reps runs of each and their ratio.
#include "import.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

typedef void (s_write_fn) (FILE *file, long rows);

static void
s_stock_csv (FILE *file, long rows)
{
    fprintf (file, "movement_id,type,sku,location,to_location,quantity,reason,occurred_at\n");
    for (long i = 0; i < rows; i++) {
        switch (i % 4) {
            case 0: fprintf (file, ",,SKU-%06ld,WH-%ld,,%ld,,\n", i, i % 7, i % 500); break;
            case 1:
                fprintf (file, "RCV-%ld,receipt,SKU-%06ld,WH-%ld,,%ld,\"delivery, dock 3\","
                         "2026-12-01T08:%02ld:00Z\n", i, i, i % 7, 1 + i % 90, i % 60);
                break;
            case 2: fprintf (file, ",transfer,SKU-%06ld,WH-%ld,STORE-%ld,%ld,,\n", i, i % 7, i % 40, 1 + i % 9); break;
            default: fprintf (file, ",adjustment,SKU-%06ld,WH-%ld,,-%ld,damaged,\n", i, i % 7, 1 + i % 3);
        }
    }
}

static void
s_prices_csv (FILE *file, long rows)
{
    fprintf (file, "currency,sku,unit_price,book_id,valid_from,tiers\n");
    for (long i = 0; i < rows; i++)
        if (i % 3 == 0)
            fprintf (file, "EUR,SKU-%06ld,%ld,wholesale,2026-12-01T00:00:00Z,10:%ld;100:%ld\n", i,
                     1000 + i % 9000, 950 + i % 9000, 900 + i % 9000);
        else
            fprintf (file, "%s,SKU-%06ld,%ld,,,\n", i % 3 == 1 ? "USD" : "EUR", i, 100 + i % 99900);
}

static void
s_stock_jsonl (FILE *file, long rows)
{
    for (long i = 0; i < rows; i++)
        fprintf (file, "{\"sku\":\"SKU-%06ld\",\"location\":\"WH-%ld\",\"quantity\":%ld%s}\n", i, i % 7,
                 i % 500, i % 2 ? ",\"type\":\"receipt\",\"reason\":\"delivery\"" : "");
}

//  Seconds to read path line by line with fgets.
static double
s_lines (const char *path, long *lines)
{
    double start = s_now ();
    FILE *file = fopen (path, "r");
    char line[4096];
    *lines = 0;
    while (file && fgets (line, sizeof line, file))
        (*lines)++;
    if (file)
        fclose (file);
    return s_now () - start;
}

//  Seconds to read path whole and check every row as the import does.
static double
s_import (const char *kind, const char *path, feed_format_t format, size_t *good)
{
    double start = s_now ();
    FILE *file = fopen (path, "rb");
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    rewind (file);
    char *data = malloc ((size_t) size + 1);
    if (!data || fread (data, 1, (size_t) size, file) != (size_t) size)
        abort ();
    fclose (file);
    import_t *import = NULL;
    FILE *report = fopen ("/dev/null", "w");
    if (import_new (feedrow_find (kind), path, IMPORT_BATCH_MAX, &import) != 0
        || import_read (import, data, (size_t) size, format, report) != 0) {
        fprintf (stderr, "feedread: %s did not read clean\n", path);
        exit (1);
    }
    double took = s_now () - start;
    *good = import_items (import);
    import_destroy (&import);
    fclose (report);
    free (data);
    return took;
}

int
main (int argc, char **argv)
{
    long rows = 100000;
    int reps = 5;
    int opt;
    while ((opt = getopt (argc, argv, "r:n:h")) != -1) {
        if (opt == 'r')
            rows = atol (optarg);
        else if (opt == 'n')
            reps = atoi (optarg);
        else {
            printf ("Usage: feedread [-r ROWS] [-n REPS]\n\n"
                    "Times reading and checking a feed of ROWS rows (default 100000) as\n"
                    "`retailmesh import --dry-run` does, against fgets over the same file; the\n"
                    "median of REPS runs (default 5) of each.\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    if (rows < 1 || reps < 1 || reps > 100)
        return 2;
    const struct {
        const char *name, *kind;
        feed_format_t format;
        s_write_fn *write;
    } feeds[] = {
        {"stock CSV", "stock", FEED_CSV, s_stock_csv},
        {"prices CSV", "prices", FEED_CSV, s_prices_csv},
        {"stock JSON lines", "stock", FEED_JSONL, s_stock_jsonl},
    };
    char dir[] = "/tmp/feedread.XXXXXX";
    if (!mkdtemp (dir))
        return 1;
    printf ("%-17s %8s %10s %12s %12s %8s\n", "feed", "rows", "MiB", "fgets ms", "import ms", "ratio");
    for (size_t f = 0; f < sizeof feeds / sizeof feeds[0]; f++) {
        char path[64];
        snprintf (path, sizeof path, "%s/feed%zu.%s", dir, f, feeds[f].format == FEED_CSV ? "csv" : "jsonl");
        FILE *file = fopen (path, "w");
        if (!file)
            return 1;
        feeds[f].write (file, rows);
        long size = ftell (file);
        fclose (file);
        double base[100], read[100];
        long lines = 0;
        size_t good = 0;
        //  interleaved, so a burst of load on the box hits both sides
        for (int r = 0; r < reps; r++) {
            base[r] = s_lines (path, &lines);
            read[r] = s_import (feeds[f].kind, path, feeds[f].format, &good);
        }
        if ((long) good != rows)
            fprintf (stderr, "feedread: %zu of %ld rows read\n", good, rows);
        qsort (base, (size_t) reps, sizeof base[0], s_cmp);
        qsort (read, (size_t) reps, sizeof read[0], s_cmp);
        double b = base[reps / 2], i = read[reps / 2];
        printf ("%-17s %8ld %10.1f %12.2f %12.2f %7.1fx\n", feeds[f].name, rows,
                (double) size / (1 << 20), b * 1e3, i * 1e3, i / b);
        unlink (path);
    }
    rmdir (dir);
    return 0;
}
