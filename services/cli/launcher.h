//  launcher — `retailmesh up`: starts every service of the topology (and
//  its HTTP front, the gateway) as child processes, wired by name from
//  their rows, waits until each answers, loads
//  the demo catalogue into an empty mesh, and then supervises: a child that
//  exits is restarted with exponential backoff until Ctrl-C or SIGTERM,
//  which stops them all.
#ifndef RM_CLI_LAUNCHER_H
#define RM_CLI_LAUNCHER_H

//  Returns the process exit code.
int launcher_main (int argc, char **argv);

#endif
