// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pci-map.h"

#define SYSFS_PCI "/sys/bus/pci/devices"

static unsigned long read_hex(const char *bdf, const char *attr)
{
	char path[256];
	unsigned long v = ~0ul;
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (!f)
		return v;
	if (fscanf(f, "%lx", &v) != 1)
		v = ~0ul;
	fclose(f);
	return v;
}

int tpvm_pci_find(unsigned int vendor, unsigned int device, char *bdf)
{
	struct dirent *de;
	DIR *d = opendir(SYSFS_PCI);
	int ret = -ENODEV;

	if (!d)
		return ret;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' || n >= 32)
			continue;
		if (read_hex(de->d_name, "vendor") == vendor &&
		    read_hex(de->d_name, "device") == device) {
			memcpy(bdf, de->d_name, n + 1);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

void *tpvm_pci_map_bar(const char *bdf, int bar, size_t len, int prot)
{
	char path[256];
	void *p;
	int fd;

	/*
	 * With no driver bound nobody may have turned on memory decoding,
	 * and then every read of the BAR returns all-ones. Writing 1 to
	 * "enable" does it (and is refcounted, so it is harmless if a
	 * driver or firmware already did).
	 */
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/enable", bdf);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			fprintf(stderr, "pci-map: %s: %s\n", path, strerror(errno));
		close(fd);
	}

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/resource%d", bdf, bar);
	fd = open(path, (prot & PROT_WRITE) ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}
