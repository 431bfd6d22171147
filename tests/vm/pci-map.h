/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Find a PCI device through sysfs and map one of its BARs, from user
 * space and without a driver: how the guest tests reach an ivshmem
 * page before (or instead of) tickpage.ko.
 */
#ifndef TPVM_PCI_MAP_H
#define TPVM_PCI_MAP_H

#include <stddef.h>

/*
 * Find the first device @vendor:@device under /sys/bus/pci/devices and
 * write its address ("0000:00:03.0") into @bdf (at least 32 bytes).
 * Returns 0, or -ENODEV.
 */
int tpvm_pci_find(unsigned int vendor, unsigned int device, char *bdf);

/*
 * Map @len bytes of BAR @bar of @bdf (sysfs resourceN) with @prot
 * (PROT_READ, or PROT_READ | PROT_WRITE), enabling the device's memory
 * decoding first if nothing has. Returns the mapping or NULL with errno.
 */
void *tpvm_pci_map_bar(const char *bdf, int bar, size_t len, int prot);

#endif /* TPVM_PCI_MAP_H */
