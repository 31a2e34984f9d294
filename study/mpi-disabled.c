/*
 * A study without MPI: one process, rank 0 of 1.
 */
#include "study/mpi.h"

int
smpi_start(int *rank, int *size)
{
	*rank = 0;
	*size = 1;
	return 0;
}

void smpi_finish(void) {}
void smpi_barrier(void) {}

void
smpi_bcast(void *buf, size_t n)
{
	(void)buf;
	(void)n;
}

int
smpi_max(int v)
{
	return v;
}

int
smpi_built(void)
{
	return 0;
}
