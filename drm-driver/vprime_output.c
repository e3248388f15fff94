// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display output
 *
 * The virtual connector of each pipe and its encoder, which drives that
 * pipe's CRTC only. Its modes are CVT timings at the "refresh" module
 * parameter, from 640x480 up to 1920x1080, plus the preferred mode
 * ("preferred_mode", 1024x768 by default). An EDID 1.4 blob describing the
 * same display (a detailed timing for the preferred mode, the monitor name
 * "vprime", the serial number 1 + the pipe index) is built at init and
 * attached to the connector.
 *
 * Hotplug: each connector starts connected and has a debugfs file
 * "connected" in its directory (/sys/kernel/debug/dri/N/Virtual-K/connected,
 * K = pipe index + 1). Reading it gives "1" or "0"; writing "1" plugs the
 * simulated monitor in, "0" pulls it out (a trailing newline is accepted),
 * anything else is -EINVAL. A change updates the connector's status and
 * sends a hotplug uevent (drm_kms_helper_hotplug_event()); the next probe
 * (GETCONNECTOR) of a disconnected connector has no modes and no EDID, of
 * a connected one the full list again.
 *
 * Unplugging changes nothing else, as pulling a monitor's cable does: the
 * CRTC keeps running, flips pending on it complete at its vblanks with
 * their events and out-fences, and the compositor turns the CRTC off in
 * answer to the uevent (allowed while disconnected). A modeset that
 * enables the CRTC on a disconnected connector is rejected with -EINVAL
 * until the connector is plugged in again.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_edid.h>
#include <drm/drm_file.h>
#include <drm/drm_modes.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_simple_kms_helper.h>

#include "vprime_kms.h"

static const struct {
	u16 w, h;
} vprime_output_sizes[] = {
	{ 640, 480 }, { 800, 600 }, { 1024, 768 }, { 1280, 720 },
	{ 1280, 800 }, { 1280, 1024 }, { 1440, 900 }, { 1600, 900 },
	{ 1680, 1050 }, { 1920, 1080 },
};

/* Physical size announced in the EDID, for a 96 dpi-ish 1920 wide panel. */
#define VPRIME_OUTPUT_WIDTH_MM	510
#define VPRIME_OUTPUT_HEIGHT_MM	287

static void vprime_edid_dtd(u8 *d, const struct drm_display_mode *m)
{
	u32 hblank = m->htotal - m->hdisplay;
	u32 vblank = m->vtotal - m->vdisplay;
	u32 hso = m->hsync_start - m->hdisplay;
	u32 hspw = m->hsync_end - m->hsync_start;
	u32 vso = m->vsync_start - m->vdisplay;
	u32 vspw = m->vsync_end - m->vsync_start;
	u32 clock = m->clock / 10;

	d[0] = clock & 0xff;
	d[1] = clock >> 8;
	d[2] = m->hdisplay & 0xff;
	d[3] = hblank & 0xff;
	d[4] = ((m->hdisplay >> 8) & 0xf) << 4 | ((hblank >> 8) & 0xf);
	d[5] = m->vdisplay & 0xff;
	d[6] = vblank & 0xff;
	d[7] = ((m->vdisplay >> 8) & 0xf) << 4 | ((vblank >> 8) & 0xf);
	d[8] = hso & 0xff;
	d[9] = hspw & 0xff;
	d[10] = (vso & 0xf) << 4 | (vspw & 0xf);
	d[11] = ((hso >> 8) & 3) << 6 | ((hspw >> 8) & 3) << 4 |
		((vso >> 4) & 3) << 2 | ((vspw >> 4) & 3);
	d[12] = VPRIME_OUTPUT_WIDTH_MM & 0xff;
	d[13] = VPRIME_OUTPUT_HEIGHT_MM & 0xff;
	d[14] = (VPRIME_OUTPUT_WIDTH_MM >> 8) << 4 |
		(VPRIME_OUTPUT_HEIGHT_MM >> 8);
	/* Digital separate sync with the mode's polarities. */
	d[17] = 0x18;
	if (m->flags & DRM_MODE_FLAG_PVSYNC)
		d[17] |= 0x04;
	if (m->flags & DRM_MODE_FLAG_PHSYNC)
		d[17] |= 0x02;
}

static void vprime_edid_text(u8 *d, u8 tag, const char *text)
{
	size_t len = min_t(size_t, strlen(text), 13);

	d[3] = tag;
	memset(&d[5], ' ', 13);
	memcpy(&d[5], text, len);
	if (len < 13)
		d[5 + len] = '\n';
}

/* Build a 128 byte EDID 1.4 with one detailed timing, @pref. */
static void vprime_edid_build(u8 *edid, const struct drm_display_mode *pref,
			      unsigned int refresh, unsigned int index,
			      unsigned int output)
{
	/* "VPR" in 5-bit letters, big endian */
	const u16 vendor = (('V' - '@') << 10) | (('P' - '@') << 5) | ('R' - '@');
	/* sRGB primaries and D65 white point */
	static const u8 chroma[10] = {
		0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54
	};
	unsigned int i;
	u8 sum = 0;

	memset(edid, 0, 128);
	memset(edid + 1, 0xff, 6);
	edid[8] = vendor >> 8;
	edid[9] = vendor & 0xff;
	edid[10] = 0x01 + index;	/* product code, little endian */
	edid[12] = 0x01 + output;	/* serial number */
	edid[16] = 1;			/* week */
	edid[17] = 2024 - 1990;		/* year */
	edid[18] = 1;			/* EDID 1.4 */
	edid[19] = 4;
	edid[20] = 0xa0;		/* digital, 8 bits per colour */
	edid[21] = VPRIME_OUTPUT_WIDTH_MM / 10;
	edid[22] = VPRIME_OUTPUT_HEIGHT_MM / 10;
	edid[23] = 120;			/* gamma 2.2 */
	edid[24] = 0x06;		/* sRGB, preferred timing is native */
	memcpy(&edid[25], chroma, sizeof(chroma));
	if (refresh == 60) {
		edid[35] = 0x21;	/* 640x480@60, 800x600@60 */
		edid[36] = 0x08;	/* 1024x768@60 */
	}
	for (i = 38; i < 54; i++)
		edid[i] = 0x01;		/* no standard timings */

	vprime_edid_dtd(&edid[54], pref);
	vprime_edid_text(&edid[72], 0xfc, "vprime");
	vprime_edid_text(&edid[90], 0xfe, "virtual");
	edid[108 + 3] = 0x10;		/* dummy descriptor */

	for (i = 0; i < 127; i++)
		sum += edid[i];
	edid[127] = 0x100 - sum;
}

static int vprime_output_get_modes(struct drm_connector *connector)
{
	struct vprime_kms_device *kms = to_vprime_kms(connector->dev);
	struct vprime_output *output = to_vprime_output(connector);
	const struct vprime_kms_config *cfg = &kms->config;
	struct drm_display_mode *mode;
	bool have_pref = false;
	unsigned int i;
	int count = 0;

	drm_connector_update_edid_property(connector,
					   (const struct edid *)output->edid);

	for (i = 0; i <= ARRAY_SIZE(vprime_output_sizes); i++) {
		unsigned int w, h;

		if (i < ARRAY_SIZE(vprime_output_sizes)) {
			w = vprime_output_sizes[i].w;
			h = vprime_output_sizes[i].h;
		} else if (!have_pref) {
			w = cfg->pref_w;
			h = cfg->pref_h;
		} else {
			break;
		}

		mode = drm_cvt_mode(connector->dev, w, h, cfg->refresh,
				    false, false, false);
		if (!mode)
			continue;

		mode->type = DRM_MODE_TYPE_DRIVER;
		if (w == cfg->pref_w && h == cfg->pref_h) {
			mode->type |= DRM_MODE_TYPE_PREFERRED;
			have_pref = true;
		}
		drm_mode_probed_add(connector, mode);
		count++;
	}

	return count;
}

/*
 * Only a modeset that lights the CRTC up needs a monitor: turning it off,
 * and flips on a CRTC left running, go through after an unplug.
 */
static int vprime_output_atomic_check(struct drm_connector *connector,
				      struct drm_atomic_state *state)
{
	struct drm_connector_state *conn_state =
		drm_atomic_get_new_connector_state(state, connector);
	struct drm_crtc_state *crtc_state;

	if (!conn_state->crtc ||
	    READ_ONCE(to_vprime_output(connector)->connected))
		return 0;

	crtc_state = drm_atomic_get_new_crtc_state(state, conn_state->crtc);
	if (!crtc_state || !crtc_state->active ||
	    !drm_atomic_crtc_needs_modeset(crtc_state))
		return 0;

	drm_dbg_atomic(connector->dev,
		       "[CONNECTOR:%d:%s] modeset on a disconnected connector\n",
		       connector->base.id, connector->name);
	return -EINVAL;
}

static enum drm_connector_status
vprime_output_detect(struct drm_connector *connector, bool force)
{
	return READ_ONCE(to_vprime_output(connector)->connected) ?
	       connector_status_connected : connector_status_disconnected;
}

static int vprime_connected_show(struct seq_file *m, void *data)
{
	struct vprime_output *output = m->private;

	seq_printf(m, "%d\n", READ_ONCE(output->connected));
	return 0;
}

static int vprime_connected_open(struct inode *inode, struct file *file)
{
	return single_open(file, vprime_connected_show, inode->i_private);
}

/* Exactly "0" or "1", optionally followed by a newline. */
static ssize_t vprime_connected_write(struct file *file,
				      const char __user *ubuf,
				      size_t len, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct vprime_output *output = m->private;
	struct drm_connector *connector = &output->base;
	struct drm_device *dev = connector->dev;
	bool changed, plugged;
	char buf[2];

	if (len < 1 || len > sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	if ((buf[0] != '0' && buf[0] != '1') || (len == 2 && buf[1] != '\n'))
		return -EINVAL;

	plugged = buf[0] == '1';
	mutex_lock(&dev->mode_config.mutex);
	changed = output->connected != plugged;
	WRITE_ONCE(output->connected, plugged);
	connector->status = drm_helper_probe_detect(connector, NULL, false);
	mutex_unlock(&dev->mode_config.mutex);

	if (changed) {
		drm_dbg_kms(dev, "[CONNECTOR:%d:%s] %s\n", connector->base.id,
			    connector->name,
			    drm_get_connector_status_name(connector->status));
		drm_kms_helper_hotplug_event(dev);
	}

	return len;
}

static const struct file_operations vprime_connected_fops = {
	.owner = THIS_MODULE,
	.open = vprime_connected_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = vprime_connected_write,
	.release = single_release,
};

static void vprime_output_debugfs_init(struct drm_connector *connector,
				       struct dentry *root)
{
	debugfs_create_file("connected", 0644, root, to_vprime_output(connector),
			    &vprime_connected_fops);
}

static const struct drm_connector_helper_funcs vprime_output_helper_funcs = {
	.get_modes = vprime_output_get_modes,
	.atomic_check = vprime_output_atomic_check,
};

static const struct drm_connector_funcs vprime_output_funcs = {
	.detect = vprime_output_detect,
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
	.debugfs_init = vprime_output_debugfs_init,
};

/**
 * vprime_output_init - create the connector and encoder of a pipe
 * @dev: the display device
 * @output: the output, embedded in the device
 * @crtc: the CRTC the encoder drives
 * @index: the pipe's index
 *
 * Returns: 0 or a negative errno.
 */
int vprime_output_init(struct drm_device *dev, struct vprime_output *output,
		       struct drm_crtc *crtc, unsigned int index)
{
	struct vprime_kms_device *kms = to_vprime_kms(dev);
	const struct vprime_kms_config *cfg = &kms->config;
	struct drm_display_mode *pref;
	int ret;

	pref = drm_cvt_mode(dev, cfg->pref_w, cfg->pref_h, cfg->refresh,
			    false, false, false);
	if (!pref)
		return -ENOMEM;
	vprime_edid_build(output->edid, pref, cfg->refresh, dev->primary->index,
			  index);
	drm_mode_destroy(dev, pref);
	output->index = index;
	output->connected = true;

	ret = drm_connector_init(dev, &output->base, &vprime_output_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&output->base, &vprime_output_helper_funcs);
	/* Status changes come from the debugfs file, as from an HPD line. */
	output->base.polled = DRM_CONNECTOR_POLL_HPD;
	/* Virtual connectors get no EDID property by default. */
	drm_connector_attach_edid_property(&output->base);

	ret = drm_simple_encoder_init(dev, &output->encoder,
				      DRM_MODE_ENCODER_VIRTUAL);
	if (ret)
		return ret;
	output->encoder.possible_crtcs = drm_crtc_mask(crtc);

	return drm_connector_attach_encoder(&output->base, &output->encoder);
}
