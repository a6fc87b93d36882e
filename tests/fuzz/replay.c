//  replay — runs a fuzz target's LLVMFuzzerTestOneInput on every file of
//  the directories (or files) given, without libFuzzer: the test builds
//  (gcc, with or without ASan) run each seed corpus through its target so
//  the targets keep building and their checks keep holding on the seeds.
//  A failed check aborts, which fails the test.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define REPLAY_INPUT_MAX (1024 * 1024)

//  Runs the target on one file. Returns 0, or -1 when it cannot be read.
static int
s_run_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        fprintf (stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    uint8_t *data = malloc (REPLAY_INPUT_MAX);
    size_t size = data ? fread (data, 1, REPLAY_INPUT_MAX, file) : 0;
    int rc = data && !ferror (file) ? 0 : -1;
    fclose (file);
    if (rc == 0)
        LLVMFuzzerTestOneInput (data, size);
    else
        fprintf (stderr, "replay: cannot read %s\n", path);
    free (data);
    return rc;
}

//  Runs the target on path, or on every regular file in it. Returns the
//  number of inputs run, or -1.
static int
s_run_path (const char *path)
{
    struct stat st;
    if (stat (path, &st) != 0) {
        fprintf (stderr, "replay: no such file or directory: %s\n", path);
        return -1;
    }
    if (!S_ISDIR (st.st_mode))
        return s_run_file (path) == 0 ? 1 : -1;
    DIR *dir = opendir (path);
    if (!dir) {
        fprintf (stderr, "replay: cannot list %s\n", path);
        return -1;
    }
    int count = 0;
    struct dirent *entry;
    while (count >= 0 && (entry = readdir (dir))) {
        if (entry->d_name[0] == '.')
            continue;
        char file[4096];
        snprintf (file, sizeof file, "%s/%s", path, entry->d_name);
        count = s_run_file (file) == 0 ? count + 1 : -1;
    }
    closedir (dir);
    return count;
}

int
main (int argc, char **argv)
{
    if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) {
        printf ("Usage: %s DIR|FILE...\n\n"
                "Runs this fuzz target once on every file given and every file in each\n"
                "directory given (a seed corpus, or a finding to replay); aborts on a\n"
                "failed check. Exit status 0 when every input ran, 1 otherwise.\n", argv[0]);
        return argc < 2 ? 1 : 0;
    }
    int total = 0;
    for (int i = 1; i < argc; i++) {
        int n = s_run_path (argv[i]);
        if (n <= 0) {
            fprintf (stderr, "replay: %s: %s\n", argv[i], n == 0 ? "no inputs" : "failed");
            return 1;
        }
        total += n;
    }
    printf ("replay: %d inputs ran\n", total);
    return 0;
}
