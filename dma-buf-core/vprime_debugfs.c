// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core debugfs
 *
 * /sys/kernel/debug/vprime_core/ holds:
 *
 * - ``buffers``: one line per live BO, in id order::
 *
 *     id=<id> size=<bytes> placement=<system|local> pins=<n> vmaps=<n>
 *     mmaps=<n> exports=<n> name=<dma-buf name or -> attachments=<n>
 *     [<device>:<dynamic|static> ...]
 *
 *   (one line, the attachments list follows on the same line);
 * - ``stats``: ``<counter>: <value>`` lines: live_buffers, bytes_system,
 *   bytes_local, attachments, mappings, exports, failed_ops, migrations,
 *   pending_fences, live_fences;
 * - fault injection, each a one-shot: writing a non-zero value to
 *   ``fail_next_attach`` fails the next attach with -EBUSY,
 *   ``fail_next_map`` the next map_dma_buf with -ENOMEM,
 *   ``fail_next_begin_cpu_access`` the next begin_cpu_access with -EINTR;
 *   the knob reads back 0 once the fault fired;
 * - ``force_migrate``: write ``<id> [<placement>]`` to migrate that BO to
 *   the given placement (0 system, 1 local; default: the other one); the
 *   write returns the migration's error;
 * - ``fence_delay_ms``: defer every vprime_fence_signal() by that many
 *   milliseconds (0 to 10000; 0 signals at once). Changing it while
 *   signals are deferred can reorder them against new ones;
 * - ``config``: the module parameters in effect, ``<name>: <value>``
 *   lines: local_mem_mb, system_mem_mb, max_alloc_mb.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vprime_core_priv.h"

#define VPRIME_FENCE_DELAY_MAX_MS	10000

static struct dentry *vprime_debugfs_root;

/* A reference to the live BO with the smallest id above @after, or NULL. */
static struct vprime_bo *vprime_bo_next(u64 after)
{
	struct vprime_bo *bo, *best = NULL;

	spin_lock(&vprime_bo_list_lock);
	list_for_each_entry(bo, &vprime_bo_list, link) {
		if (bo->id > after && (!best || bo->id < best->id) &&
		    kref_read(&bo->refcount))
			best = bo;
	}
	if (best && !kref_get_unless_zero(&best->refcount))
		best = NULL;
	spin_unlock(&vprime_bo_list_lock);
	return best;
}

static void vprime_debugfs_show_bo(struct seq_file *m, struct vprime_bo *bo)
{
	struct vprime_attachment *va;
	struct vprime_export *exp;
	unsigned int nattach = 0, nexports = 0;
	const char *name = NULL;

	list_for_each_entry(va, &bo->attachments, link)
		nattach++;
	list_for_each_entry(exp, &bo->exports, link)
		nexports++;

	seq_printf(m, "id=%llu size=%zu placement=%s pins=%u ", bo->id,
		   bo->size, vprime_placement_name(bo->placement),
		   bo->pin_count);
	mutex_lock(&bo->lock);
	seq_printf(m, "vmaps=%u ", bo->vmap_count);
	mutex_unlock(&bo->lock);
	seq_printf(m, "mmaps=%d exports=%u name=", atomic_read(&bo->mmap_count),
		   nexports);

	exp = list_first_entry_or_null(&bo->exports, struct vprime_export,
				       link);
	if (exp) {
		spin_lock(&exp->dmabuf->name_lock);
		name = exp->dmabuf->name;
		if (name && *name)
			seq_puts(m, name);
		spin_unlock(&exp->dmabuf->name_lock);
	}
	if (!name || !*name)
		seq_puts(m, "-");

	seq_printf(m, " attachments=%u", nattach);
	list_for_each_entry(va, &bo->attachments, link)
		seq_printf(m, " %s:%s", dev_name(va->attach->dev),
			   dma_buf_attachment_is_dynamic(va->attach) ?
			   "dynamic" : "static");
	seq_putc(m, '\n');
}

static int vprime_buffers_show(struct seq_file *m, void *data)
{
	struct vprime_bo *bo;
	u64 last = 0;
	int ret = 0;

	while ((bo = vprime_bo_next(last))) {
		last = bo->id;
		ret = dma_resv_lock_interruptible(&bo->resv, NULL);
		if (!ret) {
			vprime_debugfs_show_bo(m, bo);
			dma_resv_unlock(&bo->resv);
		}
		vprime_bo_put(bo);
		if (ret)
			break;
	}
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(vprime_buffers);

static int vprime_stats_show(struct seq_file *m, void *data)
{
	struct vprime_core_stats *s = &vprime_stats;

	seq_printf(m, "live_buffers: %lld\n", atomic64_read(&s->live_buffers));
	seq_printf(m, "bytes_system: %lld\n",
		   atomic64_read(&s->bytes[VPRIME_PLACEMENT_SYSTEM]));
	seq_printf(m, "bytes_local: %lld\n",
		   atomic64_read(&s->bytes[VPRIME_PLACEMENT_LOCAL]));
	seq_printf(m, "attachments: %lld\n", atomic64_read(&s->attachments));
	seq_printf(m, "mappings: %lld\n", atomic64_read(&s->mappings));
	seq_printf(m, "exports: %lld\n", atomic64_read(&s->exports));
	seq_printf(m, "failed_ops: %lld\n", atomic64_read(&s->failed_ops));
	seq_printf(m, "migrations: %lld\n", atomic64_read(&s->migrations));
	seq_printf(m, "pending_fences: %d\n",
		   atomic_read(&s->pending_fences));
	seq_printf(m, "live_fences: %lld\n", atomic64_read(&s->live_fences));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vprime_stats);

static int vprime_config_show(struct seq_file *m, void *data)
{
	seq_printf(m, "local_mem_mb: %llu\n",
		   vprime_placement_cap[VPRIME_PLACEMENT_LOCAL] >> 20);
	seq_printf(m, "system_mem_mb: %llu\n",
		   vprime_placement_cap[VPRIME_PLACEMENT_SYSTEM] >> 20);
	seq_printf(m, "max_alloc_mb: %llu\n", vprime_max_alloc >> 20);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vprime_config);

static ssize_t vprime_force_migrate_write(struct file *file,
					  const char __user *ubuf,
					  size_t len, loff_t *pos)
{
	struct vprime_bo *bo;
	unsigned long long id;
	unsigned int placement;
	char buf[48];
	int n, ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	n = sscanf(buf, "%llu %u", &id, &placement);
	if (n < 1)
		return -EINVAL;

	bo = vprime_bo_lookup(id);
	if (!bo)
		return -ENOENT;
	if (n < 2)
		placement = READ_ONCE(bo->placement) == VPRIME_PLACEMENT_SYSTEM ?
			    VPRIME_PLACEMENT_LOCAL : VPRIME_PLACEMENT_SYSTEM;

	ret = vprime_bo_migrate(bo, placement, true);
	vprime_bo_put(bo);
	return ret ? ret : len;
}

static const struct file_operations vprime_force_migrate_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vprime_force_migrate_write,
	.llseek = no_llseek,
};

static int vprime_fence_delay_get(void *data, u64 *val)
{
	*val = atomic_read(&vprime_faults.fence_delay_ms);
	return 0;
}

static int vprime_fence_delay_set(void *data, u64 val)
{
	if (val > VPRIME_FENCE_DELAY_MAX_MS)
		return -EINVAL;
	atomic_set(&vprime_faults.fence_delay_ms, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vprime_fence_delay_fops, vprime_fence_delay_get,
			 vprime_fence_delay_set, "%llu\n");

void vprime_debugfs_init(void)
{
	struct dentry *root;

	root = debugfs_create_dir("vprime_core", NULL);
	vprime_debugfs_root = root;

	debugfs_create_file("buffers", 0444, root, NULL, &vprime_buffers_fops);
	debugfs_create_file("stats", 0444, root, NULL, &vprime_stats_fops);
	debugfs_create_file("config", 0444, root, NULL, &vprime_config_fops);
	debugfs_create_atomic_t("fail_next_attach", 0600, root,
				&vprime_faults.fail_next_attach);
	debugfs_create_atomic_t("fail_next_map", 0600, root,
				&vprime_faults.fail_next_map);
	debugfs_create_atomic_t("fail_next_begin_cpu_access", 0600, root,
				&vprime_faults.fail_next_begin_cpu_access);
	debugfs_create_file("force_migrate", 0200, root, NULL,
			    &vprime_force_migrate_fops);
	debugfs_create_file_unsafe("fence_delay_ms", 0600, root, NULL,
				   &vprime_fence_delay_fops);
}

void vprime_debugfs_fini(void)
{
	debugfs_remove_recursive(vprime_debugfs_root);
}
