/*
 * A study's MPI: joined only when mpirun started the process (it sets
 * OMPI_COMM_WORLD_SIZE, or PMI's PMI_SIZE / PMIX_RANK), so `sasebed run`
 * and a study without mpirun never start MPI at all.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <mpi.h>

#include "study/mpi.h"

static int
launched(void)
{
	return getenv("OMPI_COMM_WORLD_SIZE") != NULL ||
	    getenv("PMI_SIZE") != NULL || getenv("PMIX_RANK") != NULL;
}

int
smpi_start(int *rank, int *size)
{
	*rank = 0;
	*size = 1;
	if (!launched() || MPI_Init(NULL, NULL) != MPI_SUCCESS)
		return 0;
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, size);
	/* a rank outlives a killed mpirun otherwise, still running runs;
	 * what it merged is whole, and the next start carries on from it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 1;
}

void
smpi_finish(void)
{
	int on = 0;

	MPI_Initialized(&on);
	if (on)
		MPI_Finalize();
}

void
smpi_barrier(void)
{
	MPI_Barrier(MPI_COMM_WORLD);
}

void
smpi_bcast(void *buf, size_t n)
{
	MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
}

int
smpi_max(int v)
{
	int m = v;

	MPI_Allreduce(&v, &m, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return m;
}

int
smpi_built(void)
{
	return 1;
}
