package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Peak RSS needs a small parent. Go starts a child with clone(CLONE_VM|CLONE_VFORK): until
// it execs, the child shares its parent's memory, and Linux keeps that high-water mark in
// the child's ru_maxrss. The bench process holds the emulator and the plugin's output
// (hundreds of MiB), so every child is started through this same program in -spawn mode,
// a fresh process of a few MiB, which measures the child and writes its procStats to a
// file.

// spawnMain is -spawn STATSFILE PROGRAM ARGS…: it runs PROGRAM with this process's stdin,
// stdout and stderr, and writes the child's procStats (wall from start to exit) to
// STATSFILE. Its exit code is the child's.
func spawnMain(statsFile string, argv []string) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	started := time.Now()
	err := cmd.Run()
	st := procStats{Wall: time.Since(started)}
	st.CPU, st.MaxRSS = usage(cmd.ProcessState)
	b, _ := json.Marshal(st)
	if werr := os.WriteFile(statsFile, b, 0o600); werr != nil {
		fmt.Fprintln(os.Stderr, "spawn:", werr)
		return 1
	}
	if err != nil {
		if cmd.ProcessState != nil {
			return cmd.ProcessState.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "spawn:", err)
		return 1
	}
	return 0
}

// spawned is a command started through -spawn; stats() reads the child's measurements
// after Wait.
type spawned struct {
	*exec.Cmd
	statsFile string
}

// spawnCommand prepares argv to run under -spawn.
func spawnCommand(ctx context.Context, dir string, argv ...string) (*spawned, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "stats-*.json")
	if err != nil {
		return nil, err
	}
	f.Close()
	cmd := exec.CommandContext(ctx, self, append([]string{"-spawn", f.Name()}, argv...)...)
	return &spawned{Cmd: cmd, statsFile: f.Name()}, nil
}

func (s *spawned) stats() (procStats, error) {
	defer os.Remove(s.statsFile)
	var st procStats
	b, err := os.ReadFile(s.statsFile)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("spawn stats %s: %w", filepath.Base(s.statsFile), err)
	}
	return st, nil
}

// runSelf runs this program with args (a child mode) and returns its measurements and
// its stdout.
func runSelf(ctx context.Context, args ...string) (procStats, []byte, error) {
	return runSelfEnv(ctx, nil, args...)
}

// runSelfEnv is runSelf with more environment for the child.
func runSelfEnv(ctx context.Context, env []string, args ...string) (procStats, []byte, error) {
	self, err := os.Executable()
	if err != nil {
		return procStats{}, nil, err
	}
	cmd, err := spawnCommand(ctx, os.TempDir(), append([]string{self}, args...)...)
	if err != nil {
		return procStats{}, nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), env...)
	runErr := cmd.Run()
	st, err := cmd.stats()
	if runErr != nil {
		return st, nil, fmt.Errorf("%v: %w: %s", args, runErr, stderr.Bytes())
	}
	return st, stdout.Bytes(), err
}
