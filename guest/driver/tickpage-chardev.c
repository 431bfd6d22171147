// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/tickpage: read() of one consistent snapshot and a read-only mmap
 * of the time page (offset 0) and the guest page (offset 4096).
 *
 * Pages are inserted at fault time rather than at mmap time, so that a
 * mapping can outlive the device behind it: when the page is unbound
 * (hot-unplug, unbind, a second page bound later) every mapping is
 * zapped and the next access faults in whatever is current, the
 * all-zero page while nothing is bound. A reader then sees magic 0 and
 * falls back; no access ever reaches a vanished BAR.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "tickpage-drv.h"

/* Open files, so that unbinding can zap their mappings. */
struct tickpage_file {
	struct list_head node;
	struct file *filp;
};

static LIST_HEAD(tickpage_files);
static DEFINE_MUTEX(tickpage_files_lock);

void tickpage_chardev_zap(void)
{
	struct tickpage_file *tf;

	mutex_lock(&tickpage_files_lock);
	list_for_each_entry(tf, &tickpage_files, node)
		unmap_mapping_range(tf->filp->f_mapping, 0, 0, 1);
	mutex_unlock(&tickpage_files_lock);
}

static int tickpage_open(struct inode *inode, struct file *filp)
{
	struct tickpage_file *tf;

	/* Nothing can be written through this device: say so at once. */
	if (filp->f_mode & FMODE_WRITE)
		return -EROFS;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	if (!tf)
		return -ENOMEM;
	tf->filp = filp;
	filp->private_data = tf;
	mutex_lock(&tickpage_files_lock);
	list_add(&tf->node, &tickpage_files);
	mutex_unlock(&tickpage_files_lock);
	return stream_open(inode, filp);
}

static int tickpage_release(struct inode *inode, struct file *filp)
{
	struct tickpage_file *tf = filp->private_data;

	mutex_lock(&tickpage_files_lock);
	list_del(&tf->node);
	mutex_unlock(&tickpage_files_lock);
	kfree(tf);
	return 0;
}

/* Each read returns one fresh struct tickpage_info; no partial reads. */
static ssize_t tickpage_read_info(struct file *filp, char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct tickpage_info info;

	if (count < sizeof(info))
		return -EINVAL;
	tickpage_fill_info(&info);
	if (copy_to_user(buf, &info, sizeof(info)))
		return -EFAULT;
	return sizeof(info);
}

static vm_fault_t tickpage_fault(struct vm_fault *vmf)
{
	unsigned long pfn;
	vm_fault_t ret;

	mutex_lock(&tickpage_lock);
	switch (vmf->pgoff) {
	case TICKPAGE_MMAP_PAGE_OFFSET / PAGE_SIZE:
		if (tickpage_cur)
			pfn = tickpage_cur->pfn;
		else
			pfn = PHYS_PFN(virt_to_phys(tickpage_absent_page));
		break;
	case TICKPAGE_MMAP_GUEST_OFFSET / PAGE_SIZE:
		pfn = PHYS_PFN(virt_to_phys(tickpage_guest_page));
		break;
	default:
		mutex_unlock(&tickpage_lock);
		return VM_FAULT_SIGBUS;
	}
	/* Under the lock, so that an unbind's zap follows this insert. */
	ret = vmf_insert_pfn(vmf->vma, vmf->address, pfn);
	mutex_unlock(&tickpage_lock);
	return ret;
}

static const struct vm_operations_struct tickpage_vm_ops = {
	.fault = tickpage_fault,
};

static int tickpage_mmap(struct file *filp, struct vm_area_struct *vma)
{
	unsigned long off = vma->vm_pgoff << PAGE_SHIFT;
	unsigned long len = vma->vm_end - vma->vm_start;

	BUILD_BUG_ON(TICKPAGE_PAGE_SIZE != PAGE_SIZE);
	if (vma->vm_flags & VM_WRITE)
		return -EROFS;
	if (off != TICKPAGE_MMAP_PAGE_OFFSET &&
	    off != TICKPAGE_MMAP_GUEST_OFFSET)
		return -EINVAL;
	if (off + len > TICKPAGE_MMAP_SIZE)
		return -EINVAL;

	/*
	 * No VM_MAYWRITE: mprotect() cannot upgrade the mapping later, and
	 * a private mapping never becomes copy-on-write.
	 */
	vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_flags |= VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &tickpage_vm_ops;
	return 0;
}

static const struct file_operations tickpage_fops = {
	.owner = THIS_MODULE,
	.open = tickpage_open,
	.release = tickpage_release,
	.read = tickpage_read_info,
	.mmap = tickpage_mmap,
	.llseek = no_llseek,
};

static struct miscdevice tickpage_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tickpage",
	.fops = &tickpage_fops,
	.mode = 0444,
	.groups = tickpage_sysfs_groups,
};

int tickpage_chardev_register(void)
{
	return misc_register(&tickpage_misc);
}

void tickpage_chardev_unregister(void)
{
	misc_deregister(&tickpage_misc);
}
