#ifndef MULTIDRAFT_CGLPK_SHIM_H
#define MULTIDRAFT_CGLPK_SHIM_H
// Debian's libglpk-dev ships no pkg-config file; this shim exposes <glpk.h> to Swift.
#include <glpk.h>
#endif
