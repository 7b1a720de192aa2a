#pragma once
// Special functions the two-sample tests need for their p-values: regularized incomplete gamma
// and beta (chi-square and Student t tails), the modified Bessel function K_nu (the
// Cramér-von Mises limit), log binomial coefficients. Accurate to about 1e-14 relative.
#include <cstdint>

namespace llmops::stats {

// Regularized upper incomplete gamma Q(a, x), a > 0, x >= 0.
double gamma_q(double a, double x);
// Regularized incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1.
double beta_i(double x, double a, double b);
// Survival function of chi-square with `df` > 0 degrees of freedom.
double chi2_sf(double x, double df);
// Two-sided tail P(|T| >= |t|) of Student's t with `df` > 0 degrees of freedom.
double student_t_two_sided(double t, double df);
// exp(-x) * K_nu(x), x > 0: the scaled modified Bessel function of the second kind, from its
// integral  K_nu(x) = ∫_0^∞ exp(-x cosh s) cosh(nu s) ds  (trapezoid rule, which converges
// geometrically for this smooth, doubly exponentially decaying integrand).
double bessel_k_scaled(double nu, double x);
// log C(n, k).
double log_binomial(double n, double k);

} // namespace llmops::stats
