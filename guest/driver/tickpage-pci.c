// SPDX-License-Identifier: GPL-2.0
/*
 * Find the time page on PCI: BAR 0 of QEMU's "-device tickpage", or the
 * first page of BAR 2 of a stock ivshmem-plain device that tickpaged
 * shares with many VMs. An ivshmem device is shared memory for anything,
 * so it is bound only when its page carries the tickpage magic; others
 * are left alone without a word.
 */
#include <linux/module.h>
#include <linux/pci.h>

#include "tickpage-drv.h"

#define TICKPAGE_IVSHMEM_VENDOR_ID	0x1af4
#define TICKPAGE_IVSHMEM_DEVICE_ID	0x1110

/* driver_data: the BAR holding the page, and whether it may be foreign. */
#define TICKPAGE_BAR(n)		(n)
#define TICKPAGE_SHARED		0x100

static int tickpage_pci_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	int bar = id->driver_data & 0xff;
	bool shared = id->driver_data & TICKPAGE_SHARED;
	int err;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, bar) < TICKPAGE_PAGE_SIZE) {
		if (!shared)
			dev_err(&pdev->dev, "BAR %d is not a %u-byte memory BAR\n",
				bar, TICKPAGE_PAGE_SIZE);
		return -ENODEV;
	}
	err = pci_request_region(pdev, bar, KBUILD_MODNAME);
	if (err)
		return err;
	return tickpage_bind(&pdev->dev, pci_resource_start(pdev, bar), shared);
}

static const struct pci_device_id tickpage_pci_ids[] = {
	{ PCI_DEVICE(TICKPAGE_PCI_VENDOR_ID, TICKPAGE_PCI_DEVICE_ID),
	  .driver_data = TICKPAGE_BAR(0) },
	{ PCI_DEVICE(TICKPAGE_IVSHMEM_VENDOR_ID, TICKPAGE_IVSHMEM_DEVICE_ID),
	  .driver_data = TICKPAGE_BAR(2) | TICKPAGE_SHARED },
	{ }
};
MODULE_DEVICE_TABLE(pci, tickpage_pci_ids);

static struct pci_driver tickpage_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = tickpage_pci_ids,
	.probe = tickpage_pci_probe,
};

int tickpage_pci_register(void)
{
	return pci_register_driver(&tickpage_pci_driver);
}

void tickpage_pci_unregister(void)
{
	pci_unregister_driver(&tickpage_pci_driver);
}
