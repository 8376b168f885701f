# stats.awk: the functions the benchmark summaries share (awk -f stats.awk -f ...):
# median of a space-separated list of numbers, and field(name), the value of
# the name=value field on the current line.

function median(list,    n, parts, i, j, tmp) {
    n = split(list, parts, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && parts[j - 1] + 0 > parts[j] + 0; j--) {
            tmp = parts[j]; parts[j] = parts[j - 1]; parts[j - 1] = tmp
        }
    if (n == 0) return 0
    return n % 2 ? parts[(n + 1) / 2] : (parts[n / 2] + parts[n / 2 + 1]) / 2
}

function field(name,    i, kv) {
    for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == name) return kv[2]
    }
    return ""
}
