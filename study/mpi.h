/*
 * The little a study needs of MPI: whether it was started by mpirun, its
 * rank, and a few collectives.  study/mpi.c is built with Open MPI,
 * study/mpi-disabled.c without (configure --without-mpi, or no MPI
 * found): a single process of rank 0 among 1.
 */
#ifndef SASEBED_STUDY_MPI_H
#define SASEBED_STUDY_MPI_H

#include <stddef.h>

/* Join the MPI job if this process was started by mpirun: 1 and the rank
 * and size; 0 (rank 0 of 1) when not, or without MPI. */
int smpi_start(int *rank, int *size);
void smpi_finish(void);
void smpi_barrier(void);
/* Rank 0's n bytes at buf, to every rank. */
void smpi_bcast(void *buf, size_t n);
/* The largest of every rank's v. */
int smpi_max(int v);
/* Whether MPI was built in (for --version and tests). */
int smpi_built(void);

#endif
