package main

import (
	"fmt"
	"slices"
	"time"
)

// median of durations (the upper middle for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianInt(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// medianStats is the per-field median of several runs.
func medianStats(runs []procStats) procStats {
	var wall, cpu []time.Duration
	var rss, out []int64
	for _, r := range runs {
		wall, cpu = append(wall, r.Wall), append(cpu, r.CPU)
		rss, out = append(rss, r.MaxRSS), append(out, r.StdoutBytes)
	}
	return procStats{Wall: median(wall), CPU: median(cpu), MaxRSS: medianInt(rss), StdoutBytes: medianInt(out)}
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// verdict is "met" or "missed" for a ratio against its goal.
func verdict(r, goal float64) string {
	if r <= goal {
		return fmt.Sprintf("%.2f× (goal ≤ %g×: met)", r, goal)
	}
	return fmt.Sprintf("%.2f× (goal ≤ %g×: **missed**)", r, goal)
}
