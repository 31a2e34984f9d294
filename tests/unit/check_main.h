/*
 * The main() every unit suite shares: run the suite built by the file's
 * make_suite() in Check's forking mode and exit non-zero on any failure.
 */
#ifndef SASEBED_TESTS_CHECK_MAIN_H
#define SASEBED_TESTS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static Suite *make_suite(void);

int
main(void)
{
	SRunner *sr = srunner_create(make_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
