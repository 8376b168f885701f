/* Decimal formatting for the fork→exec window, shared by spawn.c and mounts.c:
 * no printf and no malloc, which are not safe between vfork and exec. */
#ifndef CSPAWN_DECIMAL_H
#define CSPAWN_DECIMAL_H

/* Writes `value` (>= 0) in decimal at `out`, at most `room - 1` digits, then a
 * NUL; returns the number of digits written. */
static inline int cspawn_write_decimal(char *out, long value, int room) {
    char digits[24];
    int n = 0, at = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && n < room - 1 && n < (int)sizeof digits);
    while (n > 0) out[at++] = digits[--n];
    out[at] = '\0';
    return at;
}

#endif
