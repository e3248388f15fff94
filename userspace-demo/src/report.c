// SPDX-License-Identifier: MIT
/*
 * Results: the per-frame table (first and last rows), the summary (printed
 * and saved as summary.txt), summary.json, frames*.csv and latency.svg, a
 * latency-over-time plot drawn here so that no plotting tool is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define TABLE_ROWS	5
#define SVG_W		960
#define SVG_H		420
#define SVG_L		70
#define SVG_R		20
#define SVG_T		40
#define SVG_B		50

static const char *mode_name(enum demo_mode m)
{
	return m == DEMO_ZERO_COPY ? "zero-copy" : "copy";
}

static const char *path_name(enum demo_mode m)
{
	return m == DEMO_ZERO_COPY ?
	       "GPU BO exported once via PRIME, imported by the display, scanned out in place" :
	       "CPU waits for the render, memcpy from the GPU BO's mmap into a display dumb buffer";
}

static double latency_ms(const struct frame_rec *r)
{
	return r->flip_ns ? (r->flip_ns - r->submit_ns) / 1e6 : 0;
}

static double cpu_total(const struct run_result *r)
{
	return r->cpu_user_s + r->cpu_sys_s;
}

/* CPU seconds of the pipeline (the capture worker's share excluded). */
static double cpu_pipeline(const struct run_result *r)
{
	double c = cpu_total(r) - r->cpu_capture_s;

	return c > 0 ? c : 0;
}

static double cpu_per_frame_ms(const struct run_result *r)
{
	return r->shown ? cpu_pipeline(r) * 1e3 / r->shown : 0;
}

static const char *capture_src_name(const struct run_result *r)
{
	if (!r->capture_active)
		return "none";
	return r->capture_src == CAPTURE_WRITEBACK ? "writeback" :
	       "CPU readback of released buffers";
}

static const char *verified_name(int v)
{
	return v < 0 ? "-" : v ? "MISMATCH" : "ok";
}

static void table_row(FILE *f, const struct run_result *r, unsigned int i)
{
	const struct frame_rec *fr = &r->frames[i];

	fprintf(f, "  %6u %4u %10.2f %10.2f %9.2f %10u %6u %-4s %s\n", i,
		fr->buffer, (fr->submit_ns - r->start_ns) / 1e6,
		fr->flip_ns ? (fr->flip_ns - r->start_ns) / 1e6 : 0.0,
		latency_ms(fr), fr->seq, fr->missed,
		fr->captured ? "yes" : "", verified_name(fr->verified));
}

static void print_table(FILE *f, const struct run_result *r)
{
	unsigned int i, n = r->shown;

	fprintf(f, "%s: per-frame table (times in ms from the first submit)\n",
		mode_name(r->mode));
	fprintf(f, "  %6s %4s %10s %10s %9s %10s %6s %-4s %s\n", "frame",
		"buf", "submit", "scanout", "latency", "vblank", "missed",
		"capt", "check");
	for (i = 0; i < n; i++) {
		if (i == TABLE_ROWS && n > 2 * TABLE_ROWS) {
			fprintf(f, "  %6s ... %u frames ...\n", "",
				n - 2 * TABLE_ROWS);
			i = n - TABLE_ROWS;
		}
		table_row(f, r, i);
	}
}

static void print_run(FILE *f, const struct run_result *r)
{
	fprintf(f, "%s%s:\n", mode_name(r->mode),
		r->interrupted ? " (interrupted)" : "");
	fprintf(f, "  path                 %s\n", path_name(r->mode));
	fprintf(f, "  frames shown         %u of %u\n", r->shown, r->requested);
	fprintf(f, "  missed vblanks       %llu\n",
		(unsigned long long)r->missed_vblanks);
	fprintf(f, "  latency submit->scanout  min %.2f ms  median %.2f ms  p99 %.2f ms  (mean %.2f, max %.2f)\n",
		r->lat_min, r->lat_median, r->lat_p99, r->lat_mean,
		r->lat_max);
	fprintf(f, "  bytes copied between devices  %llu\n",
		(unsigned long long)r->bytes_copied);
	if (r->mode != DEMO_CPU_COPY)
		fprintf(f, "  shared buffers       %u (display import == GPU dma-buf, kcmp)\n",
			r->shared_buffers);
	fprintf(f, "  verification         %u captures (%s) checked, %u --verify-all readbacks, %u frame mismatches\n",
		r->captures, capture_src_name(r), r->readbacks, r->mismatches);
	fprintf(f, "  CPU time             user %.3f s  sys %.3f s  pipeline %.3f ms/frame (capture worker's %.3f s excluded)\n",
		r->cpu_user_s, r->cpu_sys_s, cpu_per_frame_ms(r),
		r->cpu_capture_s);
	fprintf(f, "  wall time            %.2f s  (%.1f frames/s)\n", r->wall_s,
		r->wall_s > 0 ? r->shown / r->wall_s : 0.0);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void print_ratio(FILE *f, const struct run_result *z,
			const struct run_result *c)
{
	fprintf(f, "zero-copy vs copy (zero-copy / copy):\n");
	fprintf(f, "  latency median       %.2f ms / %.2f ms = %.2fx\n",
		z->lat_median, c->lat_median, ratio(z->lat_median, c->lat_median));
	fprintf(f, "  latency p99          %.2f ms / %.2f ms = %.2fx\n",
		z->lat_p99, c->lat_p99, ratio(z->lat_p99, c->lat_p99));
	fprintf(f, "  CPU time per frame   %.3f ms / %.3f ms = %.2fx\n",
		cpu_per_frame_ms(z), cpu_per_frame_ms(c),
		ratio(cpu_per_frame_ms(z), cpu_per_frame_ms(c)));
	fprintf(f, "  bytes copied         %llu / %llu\n",
		(unsigned long long)z->bytes_copied,
		(unsigned long long)c->bytes_copied);
}

static void print_summary(FILE *f, const struct demo_opts *o,
			  const struct demo_devices *dev,
			  const struct run_result *runs, unsigned int nruns)
{
	const drmModeModeInfo *m = &dev->disp.mode;
	unsigned int i;

	char cap[32] = "none";

	if (o->capture_every)
		snprintf(cap, sizeof(cap), "every-%u", o->capture_every);
	fprintf(f, "vprime-demo summary: %ux%u@%.2fHz, pattern %s, %u buffers, render %.2f ms, capture %s\n",
		m->hdisplay, m->vdisplay, display_refresh_hz(&dev->disp),
		pattern_name(o->pattern), o->buffers, o->render_ns / 1e6, cap);
	for (i = 0; i < nruns; i++)
		print_run(f, &runs[i]);
	if (nruns == 2)
		print_ratio(f, &runs[0], &runs[1]);
}

static void json_run(FILE *f, const struct run_result *r, bool last)
{
	fprintf(f, "    {\n");
	fprintf(f, "      \"mode\": \"%s\",\n", mode_name(r->mode));
	fprintf(f, "      \"path\": \"%s\",\n", path_name(r->mode));
	fprintf(f, "      \"frames_requested\": %u,\n", r->requested);
	fprintf(f, "      \"frames_shown\": %u,\n", r->shown);
	fprintf(f, "      \"missed_vblanks\": %llu,\n",
		(unsigned long long)r->missed_vblanks);
	fprintf(f, "      \"latency_ms\": { \"min\": %.3f, \"median\": %.3f, \"p99\": %.3f, \"mean\": %.3f, \"max\": %.3f },\n",
		r->lat_min, r->lat_median, r->lat_p99, r->lat_mean, r->lat_max);
	fprintf(f, "      \"bytes_copied\": %llu,\n",
		(unsigned long long)r->bytes_copied);
	fprintf(f, "      \"shared_buffers\": %u,\n", r->shared_buffers);
	fprintf(f, "      \"captures\": %u,\n", r->captures);
	fprintf(f, "      \"capture_source\": \"%s\",\n", capture_src_name(r));
	fprintf(f, "      \"readbacks\": %u,\n", r->readbacks);
	fprintf(f, "      \"mismatches\": %u,\n", r->mismatches);
	fprintf(f, "      \"cpu_user_s\": %.4f,\n", r->cpu_user_s);
	fprintf(f, "      \"cpu_sys_s\": %.4f,\n", r->cpu_sys_s);
	fprintf(f, "      \"cpu_capture_worker_s\": %.4f,\n", r->cpu_capture_s);
	fprintf(f, "      \"cpu_pipeline_ms_per_frame\": %.4f,\n",
		cpu_per_frame_ms(r));
	fprintf(f, "      \"wall_s\": %.3f,\n", r->wall_s);
	fprintf(f, "      \"interrupted\": %s\n", r->interrupted ? "true" : "false");
	fprintf(f, "    }%s\n", last ? "" : ",");
}

static int write_json(const char *path, const struct demo_opts *o,
		      const struct demo_devices *dev,
		      const struct run_result *runs, unsigned int nruns)
{
	const struct run_result *z = &runs[0];
	unsigned int i, mism = 0;
	bool intr = false;
	FILE *f = fopen(path, "w");

	if (!f) {
		demo_err(errno, "fopen(%s)", path);
		return -1;
	}
	for (i = 0; i < nruns; i++) {
		mism += runs[i].mismatches;
		intr |= runs[i].interrupted;
	}
	fprintf(f, "{\n");
	fprintf(f, "  \"mode\": \"%ux%u\",\n", dev->disp.mode.hdisplay,
		dev->disp.mode.vdisplay);
	fprintf(f, "  \"refresh_hz\": %.3f,\n", display_refresh_hz(&dev->disp));
	fprintf(f, "  \"pattern\": \"%s\",\n", pattern_name(o->pattern));
	fprintf(f, "  \"buffers\": %u,\n", o->buffers);
	fprintf(f, "  \"render_ms\": %.3f,\n", o->render_ns / 1e6);
	fprintf(f, "  \"capture_every\": %u,\n", o->capture_every);
	fprintf(f, "  \"frames_requested\": %u,\n", z->requested);
	fprintf(f, "  \"frames_shown\": %u,\n", z->shown);
	fprintf(f, "  \"missed_vblanks\": %llu,\n",
		(unsigned long long)z->missed_vblanks);
	fprintf(f, "  \"bytes_copied\": %llu,\n",
		(unsigned long long)z->bytes_copied);
	fprintf(f, "  \"shared_buffers\": %u,\n", z->shared_buffers);
	fprintf(f, "  \"captures\": %u,\n", z->captures);
	fprintf(f, "  \"capture_source\": \"%s\",\n", capture_src_name(z));
	fprintf(f, "  \"mismatches\": %u,\n", mism);
	fprintf(f, "  \"interrupted\": %s,\n", intr ? "true" : "false");
	if (nruns == 2)
		fprintf(f, "  \"ratio_zero_copy_vs_copy\": { \"latency_median\": %.4f, \"latency_p99\": %.4f, \"cpu_per_frame\": %.4f },\n",
			ratio(z->lat_median, runs[1].lat_median),
			ratio(z->lat_p99, runs[1].lat_p99),
			ratio(cpu_per_frame_ms(z), cpu_per_frame_ms(&runs[1])));
	fprintf(f, "  \"runs\": [\n");
	for (i = 0; i < nruns; i++)
		json_run(f, &runs[i], i + 1 == nruns);
	fprintf(f, "  ]\n}\n");
	if (fclose(f)) {
		demo_err(errno, "writing %s", path);
		return -1;
	}
	return 0;
}

static int write_csv(const char *path, const struct run_result *r)
{
	const struct frame_rec *fr;
	FILE *f = fopen(path, "w");
	unsigned int i;

	if (!f) {
		demo_err(errno, "fopen(%s)", path);
		return -1;
	}
	fprintf(f, "frame,buffer,submit_ms,scanout_ms,latency_ms,vblank_seq,missed,captured,check\n");
	for (i = 0; i < r->requested; i++) {
		fr = &r->frames[i];
		if (!fr->flip_ns)
			continue;
		fprintf(f, "%u,%u,%.3f,%.3f,%.3f,%u,%u,%d,%s\n", i, fr->buffer,
			(fr->submit_ns - r->start_ns) / 1e6,
			(fr->flip_ns - r->start_ns) / 1e6, latency_ms(fr),
			fr->seq, fr->missed, fr->captured,
			verified_name(fr->verified));
	}
	if (fclose(f)) {
		demo_err(errno, "writing %s", path);
		return -1;
	}
	return 0;
}

static double svg_max_latency(const struct run_result *runs,
			      unsigned int nruns)
{
	double max = 1;
	unsigned int i;

	for (i = 0; i < nruns; i++)
		if (runs[i].lat_max > max)
			max = runs[i].lat_max;
	return max * 1.1;
}

static void svg_axes(FILE *f, unsigned int frames, double ymax,
		     double period_ms)
{
	const int pw = SVG_W - SVG_L - SVG_R, ph = SVG_H - SVG_T - SVG_B;
	double y;
	int i;

	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#444'/>\n",
		SVG_L, SVG_T, pw, ph);
	for (i = 0; i <= 5; i++) {
		y = SVG_T + ph - ph * i / 5.0;
		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>\n",
			SVG_L, y, SVG_L + pw, y);
		fprintf(f, "<text x='%d' y='%.1f' text-anchor='end' font-size='12'>%.1f</text>\n",
			SVG_L - 6, y + 4, ymax * i / 5);
		fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle' font-size='12'>%u</text>\n",
			SVG_L + pw * i / 5.0, SVG_T + ph + 18, frames * i / 5);
	}
	if (period_ms > 0 && period_ms < ymax) {
		y = SVG_T + ph - ph * period_ms / ymax;
		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#999' stroke-dasharray='6,4'/>\n",
			SVG_L, y, SVG_L + pw, y);
		fprintf(f, "<text x='%d' y='%.1f' font-size='11' fill='#666'>1 refresh period (%.2f ms)</text>\n",
			SVG_L + 6, y - 4, period_ms);
	}
	fprintf(f, "<text x='%d' y='%d' text-anchor='middle' font-size='13'>frame</text>\n",
		SVG_L + pw / 2, SVG_H - 12);
	fprintf(f, "<text x='16' y='%d' font-size='13' transform='rotate(-90 16 %d)' text-anchor='middle'>latency submit to scanout (ms)</text>\n",
		SVG_T + ph / 2, SVG_T + ph / 2);
}

static void svg_series(FILE *f, const struct run_result *r, unsigned int idx,
		       unsigned int frames, double ymax)
{
	static const char *const colour[] = { "#1f77b4", "#d62728" };
	const int pw = SVG_W - SVG_L - SVG_R, ph = SVG_H - SVG_T - SVG_B;
	unsigned int i;

	fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.2' points='",
		colour[idx & 1]);
	for (i = 0; i < r->requested; i++)
		if (r->frames[i].flip_ns)
			fprintf(f, "%.1f,%.1f ",
				SVG_L + pw * (double)i / (frames > 1 ? frames - 1 : 1),
				SVG_T + ph - ph * latency_ms(&r->frames[i]) / ymax);
	fprintf(f, "'/>\n");
	fprintf(f, "<text x='%d' y='%d' font-size='12' fill='%s'>%s: median %.2f ms, p99 %.2f ms</text>\n",
		SVG_L + 10 + 330 * idx, SVG_T - 10, colour[idx & 1],
		mode_name(r->mode), r->lat_median, r->lat_p99);
}

static int write_svg(const char *path, const struct demo_devices *dev,
		     const struct run_result *runs, unsigned int nruns)
{
	double ymax = svg_max_latency(runs, nruns), hz;
	unsigned int i, frames = runs[0].requested;
	FILE *f = fopen(path, "w");

	if (!f) {
		demo_err(errno, "fopen(%s)", path);
		return -1;
	}
	hz = display_refresh_hz(&dev->disp);
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n");
	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif'>\n",
		SVG_W, SVG_H);
	fprintf(f, "<rect width='100%%' height='100%%' fill='white'/>\n");
	fprintf(f, "<text x='%d' y='18' font-size='14'>vprime-demo: render-submit to scanout latency per frame (%ux%u@%.0fHz)</text>\n",
		SVG_L, dev->disp.mode.hdisplay, dev->disp.mode.vdisplay, hz);
	svg_axes(f, frames, ymax, hz > 0 ? 1000.0 / hz : 0);
	for (i = 0; i < nruns; i++)
		svg_series(f, &runs[i], i, frames, ymax);
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		demo_err(errno, "writing %s", path);
		return -1;
	}
	return 0;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		demo_err(errno, "fopen(%s)", path);
		return -1;
	}
	fputs(text, f);
	if (fclose(f)) {
		demo_err(errno, "writing %s", path);
		return -1;
	}
	return 0;
}

static void out_path(char *buf, size_t size, const char *dir,
		     const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/**
 * report_write - print the tables and the summary, write the result files
 * into o->out_dir. Returns 0, or -1 if a file could not be written.
 */
int report_write(const struct demo_opts *o, const struct demo_devices *dev,
		 const struct run_result *runs, unsigned int nruns)
{
	char path[700], *text = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *mem;
	int ret = 0;

	for (i = 0; i < nruns; i++)
		print_table(stdout, &runs[i]);

	mem = open_memstream(&text, &len);
	if (!mem) {
		demo_err(errno, "open_memstream");
		return -1;
	}
	print_summary(mem, o, dev, runs, nruns);
	fclose(mem);
	fputs(text, stdout);

	out_path(path, sizeof(path), o->out_dir, "summary.txt");
	ret |= write_text(path, text);
	out_path(path, sizeof(path), o->out_dir, "summary.json");
	ret |= write_json(path, o, dev, runs, nruns);
	for (i = 0; i < nruns; i++) {
		out_path(path, sizeof(path), o->out_dir,
			 runs[i].mode == DEMO_ZERO_COPY ? "frames.csv" :
							  "frames-copy.csv");
		ret |= write_csv(path, &runs[i]);
	}
	out_path(path, sizeof(path), o->out_dir, "latency.svg");
	ret |= write_svg(path, dev, runs, nruns);
	free(text);
	printf("results: %s/ (summary.txt, summary.json, frames.csv, latency.svg%s)\n",
	       o->out_dir, !o->capture_every ? "" :
	       runs[0].capture_src == CAPTURE_WRITEBACK ? ", capture-*.png" :
	       ", readback-*.png");
	return ret ? -1 : 0;
}
