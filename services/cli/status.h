//  status — `retailmesh status` (a table of every service's health) and
//  `retailmesh health` (one check, for container health checks).
#ifndef RM_CLI_STATUS_H
#define RM_CLI_STATUS_H

//  Both return the process exit code.
int status_main (int argc, char **argv);
int health_main (int argc, char **argv);

#endif
