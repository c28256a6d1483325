package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"netnotes/internal/gate"
	"netnotes/internal/records"
	"netnotes/internal/role"
	"netnotes/internal/stream"
)

// The page in a real browser: headless Chromium (Debian's chromium),
// driven over the DevTools protocol (chromedp) opens the page, and every
// claim of the catalogue must be on it with its verdict, under the post's
// section, and the console must show no error (a resource the page tried
// to fetch, which its Content-Security-Policy forbids, would be one). A
// screenshot of the page's top and one of the whole page are kept.
//
// NETNOTES_PAGE=file checks that page (CI: the page of its own run);
// otherwise the page is built from the recorded sample run, every other
// claim without a result. NETNOTES_SCREENSHOT=file.png keeps the
// screenshots there (file.png, the top; file-full.png, the whole page);
// otherwise in the test's temporary directory.
func TestPageInChromium(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		gate.Skip(t, "no chromium to open the page in: install chromium (Debian, Ubuntu) and run again")
	}
	dir := t.TempDir()
	page := os.Getenv(role.PageEnv)
	if page == "" {
		page = filepath.Join(dir, "notes.html")
		writeSamplePage(t, page)
	}
	abs, err := filepath.Abs(page)
	require.NoError(t, err)
	shot := os.Getenv(role.ScreenshotEnv)
	if shot == "" {
		shot = filepath.Join(dir, "notes.png")
	}

	seen := openInChromium(t, browser, abs, shot)
	checkClaimsOnPage(t, seen.claims)
	checkSections(t, seen.sections)
	for _, c := range seen.console {
		t.Errorf("the browser's console: %s", c)
	}
}

// pageSeen is what chromium showed of the page: each claim's article,
// the sections' headings, and the console's errors.
type pageSeen struct {
	claims   []claimOnPage
	sections []string
	console  []string
}

// claimOnPage is a claim's article on the page.
type claimOnPage struct{ ID, Verdict, Section, Badge, Text string }

// openInChromium opens page (an absolute path) in browser, headless,
// reads its claims and sections, and keeps its screenshots at shot
// (file.png, the top; file-full.png, the whole page).
func openInChromium(t *testing.T, browser, page, shot string) pageSeen {
	t.Helper()
	dir := t.TempDir()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 2400),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()

	var mu sync.Mutex
	var console []string
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				console = append(console, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			console = append(console, "exception: "+ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				console = append(console, fmt.Sprintf("%s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	}), "chromium (%s) did not start", browser)
	_, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, log.Enable, cdp.Empty{})
	require.NoError(t, err)
	err = chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady("body"))
	require.NoError(t, err, "chromium (%s) could not open the page", browser)
	claimsJSON, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll("article[data-claim]")].map(a => ({
		id: a.dataset.claim, verdict: a.dataset.verdict,
		section: a.closest("section.post-section").id,
		badge: a.querySelector("h3 .badge").textContent,
		text: a.innerText})))`))
	require.NoError(t, err)
	sectionsJSON, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll("section.post-section > h2")].map(h => h.innerText))`))
	require.NoError(t, err)
	top, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	full, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	require.NoError(t, err, "chromium (%s) could not open and read the page", browser)

	require.NoError(t, os.WriteFile(shot, top, 0o644))
	fullShot := strings.TrimSuffix(shot, ".png") + "-full.png"
	require.NoError(t, os.WriteFile(fullShot, full, 0o644))
	t.Logf("screenshots of %s: %s (the top), %s (the whole page)", page, shot, fullShot)

	var seen pageSeen
	require.NoError(t, json.Unmarshal([]byte(claimsJSON), &seen.claims))
	require.NoError(t, json.Unmarshal([]byte(sectionsJSON), &seen.sections))
	mu.Lock()
	defer mu.Unlock()
	seen.console = console
	return seen
}

// checkClaimsOnPage checks that every claim of the catalogue, and no
// other, is on the page: its verdict a verdict, its badge saying it,
// under the post's section, with its words and commands.
func checkClaimsOnPage(t *testing.T, onPage []claimOnPage) {
	t.Helper()
	byID := map[string]int{}
	for i, c := range onPage {
		byID[c.ID] = i
	}
	for _, c := range records.Catalogue {
		i, ok := byID[c.ID]
		if !ok {
			t.Errorf("claim %s is not on the page", c.ID)
			continue
		}
		got := onPage[i]
		for _, v := range records.Verdict(got.Verdict).Words() {
			if !v.Valid() && v != noResult {
				t.Errorf("claim %s: verdict %q on the page is not a verdict", c.ID, got.Verdict)
			}
		}
		if got.Badge != got.Verdict {
			t.Errorf("claim %s: the badge says %q, the claim's verdict is %q", c.ID, got.Badge, got.Verdict)
		}
		switch {
		case c.Post.Reference != "" && !strings.HasPrefix(got.Section, "part-two-"):
			t.Errorf("claim %s is under %s, not under part two (the series' article %s)", c.ID, got.Section, c.Post.Reference)
		case c.Post.Reference == "" && got.Section != "s-"+c.Post.Section:
			t.Errorf("claim %s is under %s, not under the post's §%s", c.ID, got.Section, c.Post.Section)
		}
		text := strings.Join(strings.Fields(got.Text), " ")
		for _, want := range append([]string{c.Claim, c.Post.English, c.Post.Original, c.Post.Reference}, c.Commands...) {
			if !strings.Contains(text, strings.Join(strings.Fields(want), " ")) {
				t.Errorf("claim %s: the page does not show %q", c.ID, want)
			}
		}
	}
	if len(onPage) != len(records.Catalogue) {
		t.Errorf("the page shows %d claims; the catalogue has %d", len(onPage), len(records.Catalogue))
	}
}

// checkSections checks that the page's sections follow the post's.
func checkSections(t *testing.T, sections []string) {
	t.Helper()
	// The post's sections, in the post's order.
	var want []string
	for _, s := range records.Sections {
		if slices.ContainsFunc(records.Catalogue, func(c records.Claim) bool { return c.Post.Section == s.Number && c.Post.Reference == "" }) {
			want = append(want, "§"+s.Number+s.Heading)
		}
	}
	var got []string
	for _, s := range sections {
		got = append(got, strings.Join(strings.Fields(s), ""))
	}
	for i, w := range want {
		w = strings.Join(strings.Fields(w), "")
		if i >= len(got) || got[i] != w {
			t.Errorf("the page's sections %q do not follow the post's %q", got, want)
			break
		}
	}
}

// findChromium returns Debian's chromium, or another Chromium-based
// browser on PATH, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// writeSamplePage writes the page of the recorded sample run (the README's
// sample claims; every other claim without a result).
func writeSamplePage(t *testing.T, path string) {
	t.Helper()
	root := filepath.Join("..", "..", "..")
	scan, err := records.ScanTests(root)
	require.NoError(t, err)
	run, err := os.ReadFile(filepath.Join(root, records.SampleFile))
	require.NoError(t, err)
	col := stream.NewReader()
	require.NoError(t, col.Read(bytes.NewReader(run)))
	r := buildReport(records.Catalogue, scan, col, Env{Kernel: "(the recorded sample run)", Arch: "x86_64", Root: true,
		GoVersion: "go", Command: "a saved run, read from " + records.SampleFile})
	require.NoError(t, writePageFile(path, root, r))
}
