#ifndef MULTIDRAFT_CLAPACKE_SHIM_H
#define MULTIDRAFT_CLAPACKE_SHIM_H
// Debian's liblapacke-dev: the C interface to LAPACK (dgesv, dgels, ...).
#include <lapacke.h>
#endif
