/* The header lives in openjpeg-2.5/; pkg-config's -I flag makes this include work. */
#include <openjpeg.h>
