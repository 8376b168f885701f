# table.awk: turns accept.sh's raw key=value lines into the markdown tables.
# Per cell (contender, handler, concurrency): median over rounds of conn/s,
# p50, p99 and RSS; CPU per connection pooled over rounds (total / total);
# zombies the worst round; errors summed. Ratios are to refloop's same cell.
# median() is in stats.awk: awk -f stats.awk -f table.awk.

function spread(list,    n, parts, i, low, high) {
    n = split(list, parts, " ")
    if (n < 2) return ""
    low = high = parts[1] + 0
    for (i = 2; i <= n; i++) {
        if (parts[i] + 0 < low) low = parts[i] + 0
        if (parts[i] + 0 > high) high = parts[i] + 0
    }
    return sprintf(" (%.0f–%.0f)", low, high)
}

function ratio(value, reference) {
    return reference > 0 ? sprintf("%.2f×", value / reference) : "–"
}

FILENAME ~ /skipped/ {
    split($0, fields, "\t")
    skipped[fields[1]] = fields[2]
    next
}

{
    delete kv
    for (i = 1; i <= NF; i++) {
        eq = index($i, "=")
        if (eq > 0) kv[substr($i, 1, eq - 1)] = substr($i, eq + 1)
    }
    key = kv["contender"] SUBSEP kv["handler"] SUBSEP kv["concurrency"]
    seen[key] = 1
    cps[key] = cps[key] " " kv["cps"]
    p50[key] = p50[key] " " kv["p50_us"]
    p99[key] = p99[key] " " kv["p99_us"]
    busy[key] = busy[key] " " kv["machine_busy_pct"]
    rss_before[key] = rss_before[key] " " kv["rss_before_kib"]
    rss_after[key] = rss_after[key] " " kv["rss_after_kib"]
    ok[key] += kv["ok"]
    if (kv["supervisor_gone"] != 1) cpu_ok[key] += kv["ok"]
    requested[key] += kv["requested"]
    seconds[key] += kv["seconds"]
    oncpu[key] += kv["sup_oncpu_us_per_conn"] * kv["ok"]
    statcpu[key] += kv["sup_cpu_us_per_conn"] * kv["ok"]
    childcpu[key] += kv["child_cpu_us_per_conn"] * kv["ok"]
    errors[key] += kv["errors"] + (kv["requested"] - kv["ok"] - kv["errors"])
    if (kv["zombies"] + 0 > zombies[key] + 0) zombies[key] = kv["zombies"]
    if (!(key in zombies)) zombies[key] = kv["zombies"]
    if (kv["rss_peak_kib"] + 0 > rss_peak[key] + 0) rss_peak[key] = kv["rss_peak_kib"]
    fds[key] = kv["fds_before"] " → " kv["fds_after"]
    rounds[key]++
    if (kv["supervisor_gone"] == 1) died[key]++
}

function per_conn(total, key) {
    return cpu_ok[key] > 0 ? total / cpu_ok[key] : 0
}

function short_tables(    nh, nl, nc, hs, ls, cs, h, l, c, key, ref) {
    nh = split(handlers, hs, " "); nl = split(levels, ls, " "); nc = split(order, cs, " ")
    for (h = 1; h <= nh; h++) for (l = 1; l <= nl; l++) {
        ref = "refloop" SUBSEP hs[h] SUBSEP ls[l]
        printf "\n### handler hello-%s, concurrency %s\n\n", hs[h], ls[l]
        print "| contender | conn/s (min–max) | × refloop | p50 µs | p99 µs | sup CPU µs/conn | × refloop | (stat) | children CPU µs/conn | sup RSS KiB before → after | zombies | errors | CPUs busy % |"
        print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        for (c = 1; c <= nc; c++) {
            key = cs[c] SUBSEP hs[h] SUBSEP ls[l]
            if (!(key in seen)) {
                if (cs[c] in skipped) printf "| %s | skipped | | | | | | | | | | | |\n", cs[c]
                continue
            }
            if (key in died) any_died = 1
            printf "| %s%s | %.0f%s | %s | %.0f | %.0f | %.1f | %s | %.0f | %.0f | %d → %d | %d | %d | %.0f |\n", cs[c], (key in died) ? " †" : "",
                median(cps[key]), spread(cps[key]), ratio(median(cps[key]), median(cps[ref])), median(p50[key]), median(p99[key]),
                per_conn(oncpu[key], key), ratio(per_conn(oncpu[key], key), per_conn(oncpu[ref], ref)),
                per_conn(statcpu[key], key), per_conn(childcpu[key], key),
                median(rss_before[key]), median(rss_after[key]), zombies[key], errors[key], median(busy[key])
        }
    }
}

function long_table(    key, parts, growth) {
    print "| contender | handler | conc | connections | seconds | conn/s | RSS KiB before | peak | after | growth KiB | flat (< 1 MiB) | fds before → after | zombies | errors |"
    print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |"
    for (key in seen) {
        split(key, parts, SUBSEP)
        growth = median(rss_after[key]) - median(rss_before[key])
        if (rss_peak[key] - median(rss_before[key]) > growth) growth = rss_peak[key] - median(rss_before[key])
        printf "| %s | hello-%s | %s | %d | %.1f | %.0f | %d | %d | %d | %d | %s | %s | %d | %d |\n", parts[1], parts[2],
            parts[3], ok[key], seconds[key], median(cps[key]), median(rss_before[key]), rss_peak[key],
            median(rss_after[key]), growth, growth < 1024 ? "yes" : "NO", fds[key], zombies[key], errors[key]
    }
}

END {
    if (mode == "long") long_table()
    else short_tables()
    if (any_died) print "\n† its supervisor died during a measured run (CPU and RSS of that round are missing)."
    first = 1
    for (name in skipped) {
        if (first) { print "\nSkipped:\n"; first = 0 }
        printf "- %s: %s\n", name, skipped[name]
    }
}
