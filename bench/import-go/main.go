// Go reference for bench/import.ts: builds the same Merkle tree in memory with
// golang.org/x/mod/sumdb/tlog (RecordHash, StoredHashes, TreeHash) from the same JSON lines,
// formatting each line into the same distsum log entry. No storage, no durability, no dedup
// index: the lower bound a tree builder on this machine can reach.
//
// Usage: tlogbench input.jsonl   (prints one JSON object: entries, seconds, hashSeconds, root)
// Build offline from Debian's golang-golang-x-mod-dev: GO111MODULE=off GOPATH=/usr/share/gocode go build
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

type record struct {
	Project    string  `json:"project"`
	Version    string  `json:"version"`
	Filename   string  `json:"filename"`
	Size       int64   `json:"size"`
	Sha256     string  `json:"sha256"`
	Blake2b256 *string `json:"blake2b_256"`
}

var separators = regexp.MustCompile(`[-_.]+`)

// entry formats a record as a distsum log entry line (DESIGN "Log entry").
func entry(r *record) []byte {
	var b strings.Builder
	b.WriteString(strings.ToLower(separators.ReplaceAllString(r.Project, "-")))
	b.WriteByte(' ')
	b.WriteString(r.Version)
	b.WriteByte(' ')
	b.WriteString(r.Filename)
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(r.Size, 10))
	b.WriteString(" sha256:")
	b.WriteString(strings.ToLower(r.Sha256))
	if r.Blake2b256 != nil {
		b.WriteString(" blake2b_256:")
		b.WriteString(strings.ToLower(*r.Blake2b256))
	}
	b.WriteByte('\n')
	return []byte(b.String())
}

// hashes is an in-memory tlog.HashReader over all stored hashes.
type hashes []tlog.Hash

func (h hashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = h[x]
	}
	return out, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tlogbench input.jsonl")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	start := time.Now()
	var hashTime time.Duration
	var stored hashes
	var n int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			fmt.Fprintln(os.Stderr, "line", n+1, err)
			os.Exit(1)
		}
		data := entry(&r)
		t := time.Now()
		hs, err := tlog.StoredHashes(n, data, stored)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		stored = append(stored, hs...)
		hashTime += time.Since(t)
		n++
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root, err := tlog.TreeHash(n, stored)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.Marshal(map[string]interface{}{
		"entries":     n,
		"seconds":     time.Since(start).Seconds(),
		"hashSeconds": hashTime.Seconds(),
		"root":        base64.StdEncoding.EncodeToString(root[:]),
	})
	fmt.Println(string(out))
}
