// SPDX-License-Identifier: GPL-2.0
/*
 * Attributes of /dev/tickpage, under /sys/class/misc/tickpage/: what an
 * administrator or a test wants to know without mapping anything. Each
 * read takes a fresh consistent snapshot (tickpage_fill_info()).
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "tickpage-drv.h"

#define TICKPAGE_ATTR(name, fmt, ...)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct tickpage_info i;						\
									\
	tickpage_fill_info(&i);						\
	return sysfs_emit(buf, fmt "\n", __VA_ARGS__);			\
}									\
static DEVICE_ATTR_RO(name)

TICKPAGE_ATTR(abi, "%u.%u", i.abi_major, i.abi_minor);
TICKPAGE_ATTR(period_ns, "%llu", i.period_ns);
TICKPAGE_ATTR(generation, "%llu", i.generation);
TICKPAGE_ATTR(update_count, "%llu", i.update_count);
TICKPAGE_ATTR(offset_ns, "%lld", i.offset_ns);
TICKPAGE_ATTR(status, "%s", tickpage_status_name(i.guest_status));
TICKPAGE_ATTR(page_status, "%s", tickpage_strerror(i.read_status));

/* Which device provides the page: "none", or e.g. "0000:00:03.0". */
static ssize_t device_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	ssize_t n;

	mutex_lock(&tickpage_lock);
	n = sysfs_emit(buf, "%s\n",
		       tickpage_cur ? dev_name(tickpage_cur->dev) : "none");
	mutex_unlock(&tickpage_lock);
	return n;
}
static DEVICE_ATTR_RO(device);

static struct attribute *tickpage_attrs[] = {
	&dev_attr_abi.attr,
	&dev_attr_period_ns.attr,
	&dev_attr_generation.attr,
	&dev_attr_update_count.attr,
	&dev_attr_offset_ns.attr,
	&dev_attr_status.attr,
	&dev_attr_page_status.attr,
	&dev_attr_device.attr,
	NULL
};

static const struct attribute_group tickpage_group = {
	.attrs = tickpage_attrs,
};

const struct attribute_group *tickpage_sysfs_groups[] = {
	&tickpage_group,
	NULL
};
