/*
 * A P-256 point from its x-coordinate, on p256-m's field arithmetic (for the provider's compressed and
 * x-only peer keys: EDHOC sends G_X, G_Y and ephemeral keys as x alone, RFC 9528 3.7).
 *
 * y^2 = x^3 - 3x + b (mod p); since p = 3 (mod 4), a square root of r is r^((p+1)/4), and r is a square if
 * and only if that root squared is r again. The point is public: variable time is fine here.
 *
 * This file is not compiled on its own: tools/build-mbedtls.sh appends it to its copy of p256-m.c (whose
 * static field functions it uses), as it does host/crypto/p256_comb.h. The prototype is in psa_provider.c.
 */

/* (p + 1) / 4 = 2^254 - 2^222 + 2^190 + 2^94, least significant limb first (as p256-m's m256_mod.m) */
static const uint32_t p256_sqrt_exp[8] = {
    0x00000000, 0x00000000, 0x40000000, 0x00000000, 0x00000000, 0x40000000, 0xc0000000, 0x3fffffff,
};

/*
 * x: 32 bytes big-endian; parity 0 or 1 picks the root whose least significant bit it is, -1 either root.
 * Writes y (32 bytes big-endian) and returns 0, or returns -1 when x is not below p, -2 when no point has this
 * x (x^3 - 3x + b is no square), -3 when parity is asked for and y = 0 (no root of that parity).
 */
int p256_est_y_from_x(uint8_t y_out[32], const uint8_t x_in[32], int parity)
{
    uint32_t x[8], r[8], t[8], y[8], base[8];

    if (m256_from_bytes(x, x_in, &p256_p) != 0)
        return -1;

    /* r = x^3 - 3x + b, in the Montgomery domain (p256_b is b * 2^256 mod p) */
    m256_mul_p(t, x, x);
    m256_mul_p(r, t, x);
    m256_sub_p(r, r, x);
    m256_sub_p(r, r, x);
    m256_sub_p(r, r, x);
    m256_add_p(r, r, p256_b);

    /* y = r^((p+1)/4): right-to-left binary exponentiation, as p256-m's m256_inv */
    m256_set32(y, 1, &p256_p);
    u256_cmov(base, r, 1);
    for (unsigned i = 0; i < 8; i++) {
        uint32_t limb = p256_sqrt_exp[i];
        for (unsigned j = 0; j < 32; j++) {
            if (limb & 1)
                m256_mul_p(y, y, base);
            m256_mul_p(base, base, base);
            limb >>= 1;
        }
    }

    /* a root only if y^2 = r (both in [0, p), so equal as integers) */
    m256_mul_p(t, y, y);
    if (u256_diff(t, r) != 0)
        return -2;

    m256_to_bytes(y_out, y, &p256_p);
    if (parity >= 0 && (y_out[31] & 1) != (parity & 1)) {
        if (u256_diff0(y) == 0)
            return -3;
        u256_set32(t, 0);
        m256_sub_p(y, t, y); /* p - y */
        m256_to_bytes(y_out, y, &p256_p);
    }
    return 0;
}
