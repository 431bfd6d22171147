# Devices built into the project's qemu-system-x86_64 (scripts/build-qemu
# configures with --without-default-devices and this list): the two PC
# machines, tickpage, and what the VM tests and libvirt's default domains
# attach. Add a line here when a test needs another device.
CONFIG_I440FX=y
CONFIG_Q35=y
CONFIG_TICKPAGE=y
CONFIG_IVSHMEM_DEVICE=y
CONFIG_ISA_DEBUG=y
CONFIG_PVPANIC_PCI=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_RNG=y
CONFIG_VIRTIO_NET=y
CONFIG_E1000_PCI=y
CONFIG_AHCI_ICH9=y
CONFIG_USB_XHCI_PCI=y
CONFIG_USB_UHCI=y
CONFIG_PCIE_PORT=y
CONFIG_VIRTIO_BALLOON=y
CONFIG_VGA_PCI=y
