/*
 * QTest testcase for the tickpage time page device
 *
 * Copyright (c) 2026 tickpage developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "standard-headers/tickpage/tickpage-abi.h"

#define TICKPAGE_SLOT 0x4
#define TICKPAGE_DEVFN QPCI_DEVFN(TICKPAGE_SLOT, 0x0)

typedef struct {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar;
    uint64_t bar_size;
} Tickpage;

static void tickpage_start_with(Tickpage *t, const char *args,
                                const char *props)
{
    t->qts = qtest_initf("-nodefaults %s -device tickpage,addr=04.0%s", args,
                         props);
    t->bus = qpci_new_pc(t->qts, NULL);
    t->dev = qpci_device_find(t->bus, TICKPAGE_DEVFN);
    g_assert(t->dev);
    qpci_device_enable(t->dev);
    t->bar = qpci_iomap(t->dev, 0, &t->bar_size);
}

static void tickpage_start(Tickpage *t, const char *props)
{
    tickpage_start_with(t, "", props);
}

static void tickpage_stop(Tickpage *t)
{
    g_free(t->dev);
    qpci_free_pc(t->bus);
    qtest_quit(t->qts);
}

/* The device only writes between guest steps, so one copy is consistent. */
static void tickpage_read_bar(Tickpage *t, struct tickpage *tp)
{
    qpci_memread(t->dev, t->bar, 0, tp, sizeof(*tp));
    g_assert_cmpuint(tp->seq % 2, ==, 0);
}

static void test_identity(void)
{
    Tickpage t;
    struct tickpage tp;

    tickpage_start(&t, "");
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_VENDOR_ID), ==,
                    TICKPAGE_PCI_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_DEVICE_ID), ==,
                    TICKPAGE_PCI_DEVICE_ID);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_CLASS_DEVICE), ==,
                    TICKPAGE_PCI_CLASS >> 8);
    g_assert_cmpuint(t.bar_size, ==, TICKPAGE_PAGE_SIZE);

    tickpage_read_bar(&t, &tp);
    g_assert_cmphex(tp.magic, ==, TICKPAGE_MAGIC);
    g_assert_cmpuint(tp.abi_major, ==, TICKPAGE_ABI_MAJOR);
    g_assert_cmpuint(tp.abi_minor, ==, TICKPAGE_ABI_MINOR);
    g_assert_cmpuint(tp.size, ==, sizeof(tp));
    g_assert_cmpuint(tp.period_ns, ==, TICKPAGE_PERIOD_DEFAULT_NS);
    g_assert_cmphex(tp.flags, ==, TICKPAGE_F_VALID | TICKPAGE_F_VM_CLOCK);
    g_assert_cmpuint(tp.realtime_nsec, <, 1000000000);
    g_assert_cmpint(tp.realtime_sec, >, 0);
    tickpage_stop(&t);
}

/* The page's monotonic time is the VM clock, to the nanosecond. */
static void test_monotonic(void)
{
    const uint64_t period = 4 * 1000 * 1000;
    Tickpage t;
    struct tickpage a, b;
    int64_t now;

    tickpage_start(&t, ",period-ns=4000000");
    tickpage_read_bar(&t, &a);
    g_assert_cmpuint(a.period_ns, ==, period);

    now = qtest_clock_step(t.qts, 10 * period);
    tickpage_read_bar(&t, &b);
    g_assert_cmpuint(b.monotonic_ns, ==, now);
    g_assert_cmpuint(b.monotonic_ns - a.monotonic_ns, ==, 10 * period);
    g_assert_cmpuint(b.update_count - a.update_count, ==, 10);
    g_assert_cmpuint(b.generation, ==, a.generation);

    /* Between deadlines nothing is published. */
    qtest_clock_step(t.qts, period / 2);
    tickpage_read_bar(&t, &a);
    g_assert_cmpuint(a.monotonic_ns, ==, b.monotonic_ns);
    g_assert_cmpuint(a.update_count, ==, b.update_count);
    tickpage_stop(&t);
}

/* A guest write changes nothing, and the monitor still sees the device. */
static void test_guest_write(void)
{
    Tickpage t;
    struct tickpage a, b;
    uint8_t junk[sizeof(a)];
    char *qtree;

    tickpage_start(&t, "");
    tickpage_read_bar(&t, &a);
    memset(junk, 0xa5, sizeof(junk));
    qpci_memwrite(t.dev, t.bar, 0, junk, sizeof(junk));
    qpci_io_writeq(t.dev, t.bar, 64, ~0ULL);
    qpci_io_writel(t.dev, t.bar, 12, 1);
    tickpage_read_bar(&t, &b);
    g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));

    qtree = qtest_hmp(t.qts, "info qtree");
    g_assert(strstr(qtree, "dev: tickpage"));
    g_assert(strstr(qtree, "period-ns = 1000000"));
    g_free(qtree);
    tickpage_stop(&t);
}

/*
 * Writes to every byte of the BAR reach nothing, and the publication
 * after them is exactly the one an untouched page gets: the device
 * publishes from its own state, never from what the page holds.
 */
static void test_scribble(void)
{
    const uint64_t period = TICKPAGE_PERIOD_DEFAULT_NS;
    Tickpage t;
    struct tickpage a, want;
    uint8_t page[TICKPAGE_PAGE_SIZE];
    uint64_t nsec;
    size_t i;

    tickpage_start(&t, "");
    tickpage_read_bar(&t, &a);
    for (i = 0; i < sizeof(page); i++) {
        page[i] = i * 37 + 11;
    }
    qpci_memwrite(t.dev, t.bar, 0, page, sizeof(page));
    for (i = 0; i < sizeof(page); i += 8) {
        qpci_io_writeq(t.dev, t.bar, i, ~0ULL);
    }
    for (i = 0; i < sizeof(page); i++) {
        qpci_io_writeb(t.dev, t.bar, i, 0x5a);
    }

    qtest_clock_step(t.qts, period);
    qpci_memread(t.dev, t.bar, 0, page, sizeof(page));

    want = a;
    want.seq += 2;
    want.update_count++;
    want.monotonic_ns += period;
    nsec = a.realtime_nsec + period;
    want.realtime_sec += nsec / 1000000000u;
    want.realtime_nsec = nsec % 1000000000u;
    g_assert_cmpmem(page, sizeof(want), &want, sizeof(want));
    for (i = sizeof(want); i < sizeof(page); i++) {
        g_assert_cmpuint(page[i], ==, 0);
    }
    tickpage_stop(&t);
}

static void expect_refused_with(const char *object, const char *props,
                                const char *message)
{
    g_autofree char *device = g_strdup_printf("tickpage%s", props);
    const char *argv[] = {
        g_getenv("QTEST_QEMU_BINARY"), "-machine", "pc", "-accel", "qtest",
        "-display", "none", "-nodefaults", "-device", device,
        object ? "-object" : NULL, object, NULL
    };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    g_assert(argv[0]);
    g_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT,
                          NULL, NULL, &out, &err, &status, &error));
    g_assert_false(g_spawn_check_exit_status(status, NULL));
    if (!strstr(err, message)) {
        g_test_message("stderr: %s", err);
    }
    g_assert(strstr(err, message));
}

static void expect_refused(const char *props, const char *message)
{
    expect_refused_with(NULL, props, message);
}

static void test_bad_period(void)
{
    expect_refused(",period-ns=99999", "period-ns=99999 is out of range");
    expect_refused(",period-ns=1000000001", "is out of range");
    expect_refused(",period-ns=1ms", "period-ns");
}

/* A host page file for memdev=, filled with @page; the caller unlinks it. */
static char *tickpage_page_file(const uint8_t *page)
{
    char *path = NULL;
    int fd = g_file_open_tmp("tickpage-test-XXXXXX", &path, NULL);

    g_assert(fd >= 0);
    g_assert_cmpint(write(fd, page, TICKPAGE_PAGE_SIZE), ==,
                    TICKPAGE_PAGE_SIZE);
    close(fd);
    return path;
}

static void tickpage_read_file(const char *path, uint8_t *page)
{
    int fd = open(path, O_RDONLY);

    g_assert(fd >= 0);
    g_assert_cmpint(read(fd, page, TICKPAGE_PAGE_SIZE), ==,
                    TICKPAGE_PAGE_SIZE);
    close(fd);
}

/*
 * Start with memdev= (and @props) on a host page file holding @host;
 * returns its path.
 */
static char *tickpage_start_shared(Tickpage *t, const uint8_t *host,
                                   const char *props)
{
    char *path = tickpage_page_file(host);
    g_autofree char *args = NULL;
    g_autofree char *all = g_strdup_printf(",memdev=tp%s", props);

    args = g_strdup_printf("-object memory-backend-file,id=tp,share=on,"
                           "readonly=on,mem-path=%s,size=4096", path);
    tickpage_start_with(t, args, all);
    return path;
}

/*
 * memdev=: BAR 0 is the host's page, live and read-only. The device
 * publishes nothing, and no guest write reaches the file.
 */
static void test_shared_page(void)
{
    const uint64_t forged = 0x0123456789abcdefULL;
    uint8_t host[TICKPAGE_PAGE_SIZE], bar[TICKPAGE_PAGE_SIZE];
    uint8_t now[TICKPAGE_PAGE_SIZE];
    g_autofree char *path = NULL;
    uint64_t mono = 0x1122334455667788ULL;
    Tickpage t;
    char *qtree;
    size_t i;
    int fd;

    for (i = 0; i < sizeof(host); i++) {
        host[i] = i * 7 + 3;
    }
    path = tickpage_start_shared(&t, host, "");
    g_assert_cmpuint(t.bar_size, ==, TICKPAGE_PAGE_SIZE);
    qpci_memread(t.dev, t.bar, 0, bar, sizeof(bar));
    g_assert_cmpmem(bar, sizeof(bar), host, sizeof(host));

    /* The publisher's next write shows through at once. */
    fd = open(path, O_WRONLY);
    g_assert(fd >= 0);
    g_assert_cmpint(pwrite(fd, &mono, sizeof(mono), 64), ==, sizeof(mono));
    close(fd);
    memcpy(host + 64, &mono, sizeof(mono));
    g_assert_cmphex(qpci_io_readq(t.dev, t.bar, 64), ==, mono);

    /* Guest writes and time going by change nothing. */
    memset(bar, 0xa5, sizeof(bar));
    qpci_memwrite(t.dev, t.bar, 0, bar, sizeof(bar));
    for (i = 0; i < sizeof(bar); i += 8) {
        qpci_io_writeq(t.dev, t.bar, i, forged);
    }
    qtest_clock_step(t.qts, 20 * TICKPAGE_PERIOD_DEFAULT_NS);
    tickpage_read_file(path, now);
    g_assert_cmpmem(now, sizeof(now), host, sizeof(host));
    qpci_memread(t.dev, t.bar, 0, bar, sizeof(bar));
    g_assert_cmpmem(bar, sizeof(bar), host, sizeof(host));

    qtree = qtest_hmp(t.qts, "info qtree");
    g_assert(strstr(qtree, "dev: tickpage"));
    g_assert(strstr(qtree, "memdev = \"tp\""));
    g_free(qtree);
    tickpage_stop(&t);
    unlink(path);
}

/*
 * memdev=: from a stop on, BAR 0 shows a parked page, with the host page's
 * generation, until the guest writes to it; then the host's page again,
 * which the write did not reach.
 */
static void test_parked(void)
{
    uint8_t host[TICKPAGE_PAGE_SIZE], bar[TICKPAGE_PAGE_SIZE];
    g_autofree char *path = NULL;
    struct tickpage tp;
    Tickpage t;
    size_t i;

    for (i = 0; i < sizeof(host); i++) {
        host[i] = i * 5 + 1;
    }
    path = tickpage_start_shared(&t, host, "");

    qobject_unref(qtest_qmp(t.qts, "{'execute': 'stop'}"));
    qobject_unref(qtest_qmp(t.qts, "{'execute': 'cont'}"));
    tickpage_read_bar(&t, &tp);
    g_assert_cmphex(tp.magic, ==, TICKPAGE_PARKED_MAGIC);
    g_assert_cmpuint(tp.abi_major, ==, TICKPAGE_ABI_MAJOR);
    g_assert_cmpuint(tp.abi_minor, ==, TICKPAGE_ABI_MINOR);
    g_assert_cmpuint(tp.size, ==, sizeof(tp));
    g_assert_cmphex(tp.flags, ==, 0);
    g_assert_cmphex(tp.generation, ==, ((struct tickpage *)host)->generation);

    /* Time going by does not resume it; the guest's write does. */
    qtest_clock_step(t.qts, 20 * TICKPAGE_PERIOD_DEFAULT_NS);
    g_assert_cmphex(qpci_io_readl(t.dev, t.bar, 0), ==, TICKPAGE_PARKED_MAGIC);
    qpci_io_writel(t.dev, t.bar, 60, 1);
    qpci_memread(t.dev, t.bar, 0, bar, sizeof(bar));
    g_assert_cmpmem(bar, sizeof(bar), host, sizeof(host));
    tickpage_read_file(path, bar);
    g_assert_cmpmem(bar, sizeof(bar), host, sizeof(host));

    tickpage_stop(&t);
    unlink(path);
}

/*
 * memdev=: hot-unplug completes. DEVICE_DELETED comes when the device is
 * finalized, which a BAR subregion left in place would hold off for good.
 */
static void test_shared_unplug(void)
{
    uint8_t host[TICKPAGE_PAGE_SIZE] = { 0 };
    g_autofree char *path = NULL;
    Tickpage t;

    path = tickpage_start_shared(&t, host, ",id=tpdev");
    qobject_unref(qtest_qmp(t.qts, "{'execute': 'stop'}"));
    qobject_unref(qtest_qmp(t.qts, "{'execute': 'cont'}"));
    qpci_unplug_acpi_device_test(t.qts, "tpdev", TICKPAGE_SLOT);
    tickpage_stop(&t);
    unlink(path);
}

static void test_bad_memdev(void)
{
    uint8_t zero[TICKPAGE_PAGE_SIZE] = { 0 };
    g_autofree char *path = tickpage_page_file(zero);
    const char *ro = "must be a memory-backend-file with share=on,readonly=on";
    g_autofree char *writable = g_strdup_printf(
        "memory-backend-file,id=tp,share=on,mem-path=%s,size=4096", path);
    g_autofree char *private = g_strdup_printf(
        "memory-backend-file,id=tp,readonly=on,mem-path=%s,size=4096", path);
    g_autofree char *small = g_strdup_printf(
        "memory-backend-file,id=tp,share=on,readonly=on,mem-path=%s,"
        "size=1024", path);
    g_autofree char *good = g_strdup_printf(
        "memory-backend-file,id=tp,share=on,readonly=on,mem-path=%s,"
        "size=4096", path);

    expect_refused_with(writable, ",memdev=tp", ro);
    expect_refused_with(private, ",memdev=tp", ro);
    expect_refused_with("memory-backend-ram,id=tp,size=4096", ",memdev=tp",
                        ro);
    expect_refused_with(small, ",memdev=tp", "is 1024 bytes");
    expect_refused_with(good, ",memdev=tp,period-ns=500000",
                        "period-ns has no effect with memdev");
    expect_refused_with(good, ",memdev=nosuch",
                        "memdev 'nosuch' is not a memory backend object");
    unlink(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/tickpage/identity", test_identity);
    qtest_add_func("/tickpage/monotonic", test_monotonic);
    qtest_add_func("/tickpage/guest-write", test_guest_write);
    qtest_add_func("/tickpage/scribble", test_scribble);
    qtest_add_func("/tickpage/bad-period", test_bad_period);
    qtest_add_func("/tickpage/shared-page", test_shared_page);
    qtest_add_func("/tickpage/parked", test_parked);
    qtest_add_func("/tickpage/shared-unplug", test_shared_unplug);
    qtest_add_func("/tickpage/bad-memdev", test_bad_memdev);

    return g_test_run();
}
