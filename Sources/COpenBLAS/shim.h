// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). Declarations only: OpenBLAS is loaded at
// run time and these names are CBLASCore's forwarding functions (Sources/CBLASCore/blas_core.c).
#include <cblas.h>
// Thread control, so the engine can honour a requested thread count.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
