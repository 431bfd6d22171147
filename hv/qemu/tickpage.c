/*
 * tickpage: a PCI device whose memory BAR is a guest time page.
 *
 * The page layout is the tickpage ABI (standard-headers/tickpage). In
 * its own mode the device publishes the page: it is written only through
 * the imported page writer (tickpage-writer.c), which this file adapts
 * to QEMU: it owns the page memory, samples the clocks and decides when
 * to publish, from a thread of its own, so that a busy main loop does
 * not make the page stale. With memdev=ID the BAR is a read-only view of
 * a host page that someone else (tickpaged) publishes for every VM on
 * the host, and the device does nothing but map it. See
 * docs/specs/tickpage.rst.
 *
 * Copyright (c) 2026 tickpage developers
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "hw/resettable.h"
#include "migration/vmstate.h"
#include "sysemu/cpu-timers.h"
#include "sysemu/hostmem.h"
#include "sysemu/qtest.h"
#include "sysemu/runstate.h"
#include "qom/object.h"
#include "trace.h"
#include "tickpage-policy.h"
#include "tickpage-writer.h"

#define TYPE_TICKPAGE "tickpage"
OBJECT_DECLARE_SIMPLE_TYPE(TickpageState, TICKPAGE)


struct TickpageState {
    PCIDevice parent_obj;

    MemoryRegion bar;
    /* The device's own page: the one it publishes, or memdev's parked one. */
    struct tickpage *page;
    /* What the page shows, kept here: the page itself is never read. */
    struct tickpage_writer writer;
    VMChangeStateEntry *vm_state;

    /*
     * Who publishes each period: a thread of the device's own, on the
     * host's monotonic clock; or, when the VM clock does not follow the
     * host's (qtest, icount), a timer on the VM clock in the main loop.
     */
    bool threaded;
    QemuThread thread;
    QEMUTimer *timer;
    /*
     * Taken around every publication and everything it reads or writes
     * (the writer, the offsets below), by the thread and by the main
     * loop's callbacks (resume, vmstate, reset); never held while the
     * thread sleeps.
     */
    QemuMutex lock;
    QemuCond wake;              /* running or quit changed */
    bool running;               /* the VM runs: the thread publishes */
    bool quit;                  /* unrealize: the thread returns */

    /* Properties. */
    uint64_t period_ns;
    /*
     * A string rather than a link, so that "info qtree" shows the mode
     * (it prints no link). Mapping the backend makes object-del refuse it.
     */
    char *memdev;
    HostMemoryBackend *hostmem;
    /*
     * memdev=ID: the host's page runs on while the VM stands still and
     * its clocks do not, so from every stop and incoming migration until
     * the guest driver resumes it, BAR 0 shows a parked page of the
     * device's own (TICKPAGE_PARKED_MAGIC) over the host's.
     */
    MemoryRegion shared;
    MemoryRegion parked;

    /*
     * Next absolute deadline: QEMU_CLOCK_VIRTUAL for the timer, the
     * host's CLOCK_MONOTONIC for the thread.
     */
    uint64_t deadline;
    /*
     * Host wall clock minus host monotonic clock, and minus the VM
     * clock, when the generation started (tickpage-policy.h): a move
     * larger than a period is a wall-clock step, or a pause.
     */
    struct tickpage_offset wall;
    struct tickpage_offset vm;

    /* Migrated: what the destination must continue from. */
    uint64_t mig_generation;
    uint64_t mig_monotonic_ns;
};

/*
 * Sample the host wall clock and the VM clock between two reads of the
 * host monotonic clock (tickpage_bracket_take()), so that a preemption
 * between the reads cannot pass for a wall-clock step or a pause.
 */
static int64_t tickpage_read_host_clocks(int64_t *vm, int64_t *wall_offset)
{
    struct tickpage_bracket b;
    int64_t before, wall, other, after;

    tickpage_bracket_init(&b);
    do {
        before = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
        wall = qemu_clock_get_ns(QEMU_CLOCK_HOST);
        other = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        after = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    } while (!tickpage_bracket_take(&b, before, wall, after, other));
    *vm = b.other_ns;
    *wall_offset = b.wall_ns - b.mono_ns;
    return b.wall_ns;
}

/*
 * Publish one snapshot. A host wall-clock step is a discontinuity, and
 * so is a resume after a pause longer than a period (realtime moved
 * against the VM clock); so is whatever the caller names in @why. The
 * new generation and the time that needs it go out in one write.
 * @floor_ns is the least monotonic time to publish.
 */
static void tickpage_publish_now(TickpageState *s, uint64_t floor_ns,
                                 bool resumed, const char *why)
{
    struct tickpage_sample sample;
    int64_t wall_offset, vm, wall;

    wall = tickpage_read_host_clocks(&vm, &wall_offset);

    if (!why && tickpage_offset_moved(&s->wall, wall_offset, s->period_ns,
                                      NULL)) {
        why = "host wall-clock step";
    } else if (!why && resumed &&
               tickpage_offset_moved(&s->vm, wall - vm, s->period_ns, NULL)) {
        /*
         * Only on resume: a running VM clock may legitimately run at its
         * own pace (qtest, icount), and the page follows it.
         */
        why = "resumed after a pause";
    }
    if (!s->wall.set || why) {
        tickpage_offset_start(&s->wall, wall_offset);
        tickpage_offset_start(&s->vm, wall - vm);
    }

    sample.realtime_sec = wall / NANOSECONDS_PER_SECOND;
    sample.realtime_nsec = wall % NANOSECONDS_PER_SECOND;
    sample.monotonic_ns = MAX((uint64_t)vm, floor_ns);
    if (why) {
        tickpage_publish_discontinuity(&s->writer, &sample);
        trace_tickpage_generation(s->writer.generation, why);
    } else {
        tickpage_publish(&s->writer, &sample);
    }
    trace_tickpage_publish(s->writer.generation, s->writer.update_count,
                           s->writer.monotonic_ns);
}

/*
 * Timer mode: arm the timer on the grid of multiples of the period after
 * now. The thread keeps its own grid.
 */
static void tickpage_arm(TickpageState *s)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (!s->threaded) {
        s->deadline = tickpage_next_deadline(0, now, s->period_ns);
        timer_mod(s->timer, s->deadline);
    }
}

static void tickpage_tick(void *opaque)
{
    TickpageState *s = opaque;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    qemu_mutex_lock(&s->lock);
    tickpage_publish_now(s, 0, false, NULL);
    qemu_mutex_unlock(&s->lock);
    /* Absolute deadlines: a late tick does not shift the ones after it. */
    s->deadline = tickpage_next_deadline(s->deadline, now, s->period_ns);
    timer_mod(s->timer, s->deadline);
}

/*
 * Thread mode: sleep to absolute CLOCK_MONOTONIC deadlines on the grid
 * of multiples of the period, publish while the VM runs, wait while it
 * is stopped. The VM clock runs with the host's monotonic clock here, so
 * the page's monotonic time advances by one period per publication, as
 * with the timer, whatever the main loop is doing.
 */
static void *tickpage_thread(void *opaque)
{
    TickpageState *s = opaque;
    struct timespec ts;
    uint64_t now;

    qemu_mutex_lock(&s->lock);
    for (;;) {
        while (!s->running && !s->quit) {
            qemu_cond_wait(&s->wake, &s->lock);
        }
        if (s->quit) {
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
        s->deadline = tickpage_next_deadline(s->deadline, now, s->period_ns);
        qemu_mutex_unlock(&s->lock);

        ts.tv_sec = s->deadline / NANOSECONDS_PER_SECOND;
        ts.tv_nsec = s->deadline % NANOSECONDS_PER_SECOND;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
               EINTR) {
            /* Signals are blocked in QEMU's threads; just in case. */
        }

        qemu_mutex_lock(&s->lock);
        if (s->running && !s->quit) {
            tickpage_publish_now(s, 0, false, NULL);
        }
    }
    qemu_mutex_unlock(&s->lock);
    return NULL;
}

/*
 * The VM clock, and with it the timer, stops while the VM is stopped.
 * On resume the page is republished at once so that its realtime is
 * right from the first guest instruction, not one period later.
 */
static void tickpage_vm_state_change(void *opaque, bool running,
                                     RunState state)
{
    TickpageState *s = opaque;

    qemu_mutex_lock(&s->lock);
    if (running) {
        tickpage_publish_now(s, 0, true, NULL);
        tickpage_arm(s);
    }
    s->running = running;
    qemu_cond_signal(&s->wake);
    qemu_mutex_unlock(&s->lock);
}

static uint64_t tickpage_bar_read(void *opaque, hwaddr addr, unsigned size)
{
    TickpageState *s = opaque;

    /* Only reached if ROMD mode is ever turned off: reads are RAM reads. */
    return ldn_le_p((uint8_t *)s->page + addr, size);
}

static void tickpage_bar_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    TickpageState *s = opaque;

    /* memdev: the parked page's, the guest's way to resume the host's. */
    if (s->hostmem) {
        memory_region_set_enabled(&s->parked, false);
        trace_tickpage_resume(addr, size);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR,
                  "tickpage: guest write of %u bytes at offset 0x%" HWADDR_PRIx
                  " ignored: the time page is read-only\n", size, addr);
    trace_tickpage_guest_write(addr, size);
}

static const MemoryRegionOps tickpage_bar_ops = {
    .read = tickpage_bar_read,
    .write = tickpage_bar_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
};

/*
 * Show the parked page until the guest writes to it: a reader would
 * otherwise pair the host page, which went on while the VM stood still,
 * with an offset measured before, and serve time ahead of the guest's
 * own clock. Only the guest driver writes it, after it stopped serving
 * the page; the write changes only this VM's view.
 */
static void tickpage_park(TickpageState *s, const char *why)
{
    MemoryRegion *mr = host_memory_backend_get_memory(s->hostmem);
    const struct tickpage *live = memory_region_get_ram_ptr(mr);
    struct tickpage *p = s->page;

    memset(p, 0, TICKPAGE_PAGE_SIZE);
    /* Tells the guest whether its offset can still match the host's page. */
    p->generation = qatomic_read(&live->generation);
    p->magic = TICKPAGE_PARKED_MAGIC;
    p->abi_major = TICKPAGE_ABI_MAJOR;
    p->abi_minor = TICKPAGE_ABI_MINOR;
    p->size = sizeof(*p);
    memory_region_set_enabled(&s->parked, true);
    trace_tickpage_park(why);
}

static void tickpage_shared_state_change(void *opaque, bool running,
                                         RunState state)
{
    if (!running) {
        tickpage_park(opaque, RunState_str(state));
    }
}

static int tickpage_pre_save(void *opaque)
{
    TickpageState *s = opaque;

    if (s->hostmem) {
        return 0;
    }
    qemu_mutex_lock(&s->lock);
    s->mig_generation = s->writer.generation;
    s->mig_monotonic_ns = s->writer.monotonic_ns;
    qemu_mutex_unlock(&s->lock);
    return 0;
}

/*
 * Incoming migration or snapshot load: the guest's memory now comes from
 * another moment, so readers must realign. The new generation differs
 * from both the one the guest saw and the one this page showed, and the
 * page's monotonic time does not go below what the guest already read.
 */
static int tickpage_post_load(void *opaque, int version_id)
{
    TickpageState *s = opaque;
    uint64_t gen;

    /*
     * A shared page is the destination host's: nothing to carry over, but
     * the guest's clocks stood still while it ran on.
     */
    if (s->hostmem) {
        tickpage_park(s, "incoming migration or snapshot load");
        return 0;
    }

    qemu_mutex_lock(&s->lock);
    gen = MAX(s->mig_generation, s->writer.generation);
    /* Restarts the writer's monotonic clamp: the floor below replaces it. */
    tickpage_writer_init(&s->writer, s->page, s->period_ns,
                         TICKPAGE_F_VM_CLOCK, gen);
    /* The old samples describe another host or another moment. */
    s->wall.set = false;
    s->vm.set = false;
    tickpage_publish_now(s, s->mig_monotonic_ns, false,
                         "incoming migration or snapshot load");
    tickpage_arm(s);
    qemu_mutex_unlock(&s->lock);
    return 0;
}

static const VMStateDescription vmstate_tickpage = {
    .name = TYPE_TICKPAGE,
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = tickpage_pre_save,
    .post_load = tickpage_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, TickpageState),
        VMSTATE_UINT64(mig_generation, TickpageState),
        VMSTATE_UINT64(mig_monotonic_ns, TickpageState),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * memdev=ID: map the host's shared page read-only as BAR 0. Its memory is
 * not registered for migration, so an incoming VM sees the destination
 * host's page, and its new generation, and realigns.
 */
static void tickpage_realize_shared(TickpageState *s, Error **errp)
{
    ERRP_GUARD();
    const char *id = s->memdev;
    Object *obj = object_resolve_path_component(object_get_objects_root(),
                                                id);
    HostMemoryBackend *backend;
    MemoryRegion *mr;

    if (s->period_ns != TICKPAGE_PERIOD_DEFAULT_NS) {
        error_setg(errp, "period-ns has no effect with memdev: the page is"
                   " published, at its own period, by whoever writes"
                   " memdev '%s'", id);
        return;
    }
    if (!obj || !object_dynamic_cast(obj, TYPE_MEMORY_BACKEND)) {
        error_setg(errp, "memdev '%s' is not a memory backend object", id);
        return;
    }
    backend = MEMORY_BACKEND(obj);
    mr = host_memory_backend_get_memory(backend);
    if (host_memory_backend_is_mapped(backend)) {
        error_setg(errp, "memdev '%s' is already in use by another device",
                   id);
        return;
    }
    if (!memory_region_is_rom(mr) ||
        !object_property_get_bool(obj, "share", &error_abort)) {
        error_setg(errp, "memdev '%s' must be a memory-backend-file with"
                   " share=on,readonly=on: a guest must not write the page"
                   " every VM reads", id);
        return;
    }
    if (memory_region_size(mr) < TICKPAGE_PAGE_SIZE) {
        error_setg(errp, "memdev '%s' is %" PRIu64 " bytes: the time page"
                   " needs %u", id, memory_region_size(mr),
                   TICKPAGE_PAGE_SIZE);
        return;
    }

    memory_region_init_rom_device_nomigrate(&s->parked, OBJECT(s),
                                            &tickpage_bar_ops, s,
                                            "tickpage-parked-page",
                                            TICKPAGE_PAGE_SIZE, errp);
    if (*errp) {
        return;
    }
    s->page = memory_region_get_ram_ptr(&s->parked);
    s->hostmem = backend;
    host_memory_backend_set_mapped(backend, true);
    memory_region_init(&s->bar, OBJECT(s), "tickpage-bar", TICKPAGE_PAGE_SIZE);
    memory_region_init_alias(&s->shared, OBJECT(s), "tickpage-shared-page",
                             mr, 0, TICKPAGE_PAGE_SIZE);
    memory_region_add_subregion(&s->bar, 0, &s->shared);
    memory_region_add_subregion_overlap(&s->bar, 0, &s->parked, 1);
    memory_region_set_enabled(&s->parked, false);
    s->vm_state = qemu_add_vm_change_state_handler(
        tickpage_shared_state_change, s);
}

/* No memdev: the device owns the page and publishes it on its own timer. */
static void tickpage_realize_own(TickpageState *s, Error **errp)
{
    ERRP_GUARD();

    if (s->period_ns < TICKPAGE_PERIOD_MIN_NS ||
        s->period_ns > TICKPAGE_PERIOD_MAX_NS) {
        error_setg(errp, "period-ns=%" PRIu64 " is out of range: it must be"
                   " %llu..%llu ns (100 us .. 1 s)", s->period_ns,
                   TICKPAGE_PERIOD_MIN_NS, TICKPAGE_PERIOD_MAX_NS);
        return;
    }

    /*
     * A ROM device region: guest reads are plain RAM reads (cacheable,
     * no exit), guest writes reach tickpage_bar_write() and nothing else.
     * Not migrated as RAM: post_load rebuilds the page from the vmstate.
     */
    memory_region_init_rom_device_nomigrate(&s->bar, OBJECT(s),
                                            &tickpage_bar_ops, s,
                                            "tickpage-page",
                                            TICKPAGE_PAGE_SIZE, errp);
    if (*errp) {
        return;
    }
    s->page = memory_region_get_ram_ptr(&s->bar);
    memset(s->page, 0, TICKPAGE_PAGE_SIZE);
    tickpage_writer_init(&s->writer, s->page, s->period_ns,
                         TICKPAGE_F_VM_CLOCK, 0);

    qemu_mutex_init(&s->lock);
    qemu_cond_init(&s->wake);
    s->running = runstate_is_running();
    s->vm_state = qemu_add_vm_change_state_handler(tickpage_vm_state_change,
                                                   s);
    tickpage_publish_now(s, 0, false, NULL);
    s->threaded = !qtest_enabled() && !icount_enabled();
    if (s->threaded) {
        qemu_thread_create(&s->thread, "tickpage", tickpage_thread, s,
                           QEMU_THREAD_JOINABLE);
    } else {
        s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, tickpage_tick, s);
        tickpage_arm(s);
    }
}

static void tickpage_realize(PCIDevice *pdev, Error **errp)
{
    ERRP_GUARD();
    TickpageState *s = TICKPAGE(pdev);

    if (s->memdev) {
        tickpage_realize_shared(s, errp);
    } else {
        tickpage_realize_own(s, errp);
    }
    if (*errp) {
        return;
    }
    pci_register_bar(pdev, 0,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_PREFETCH |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar);
}

static void tickpage_exit(PCIDevice *pdev)
{
    TickpageState *s = TICKPAGE(pdev);

    qemu_del_vm_change_state_handler(s->vm_state);
    if (s->hostmem) {
        /* A subregion holds its owner, this device: let it go. */
        memory_region_del_subregion(&s->bar, &s->parked);
        memory_region_del_subregion(&s->bar, &s->shared);
        host_memory_backend_set_mapped(s->hostmem, false);
        return;
    }
    if (s->threaded) {
        /* The thread sees quit when it wakes: within one period. */
        qemu_mutex_lock(&s->lock);
        s->quit = true;
        qemu_cond_signal(&s->wake);
        qemu_mutex_unlock(&s->lock);
        qemu_thread_join(&s->thread);
    } else {
        timer_free(s->timer);
    }
    qemu_cond_destroy(&s->wake);
    qemu_mutex_destroy(&s->lock);
    /* Tell any reader that still holds a mapping to fall back. */
    tickpage_invalidate(&s->writer);
}

/*
 * A reset is no discontinuity: the VM clock keeps its value. If the VM
 * stood still before it, the resume that follows says so.
 */
static void tickpage_reset_hold(Object *obj)
{
    TickpageState *s = TICKPAGE(obj);

    if (s->hostmem) {
        return;
    }
    qemu_mutex_lock(&s->lock);
    tickpage_publish_now(s, 0, false, NULL);
    tickpage_arm(s);
    qemu_mutex_unlock(&s->lock);
}

static Property tickpage_properties[] = {
    DEFINE_PROP_UINT64("period-ns", TickpageState, period_ns,
                       TICKPAGE_PERIOD_DEFAULT_NS),
    DEFINE_PROP_STRING("memdev", TickpageState, memdev),
    DEFINE_PROP_END_OF_LIST(),
};

static void tickpage_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    pc->realize = tickpage_realize;
    pc->exit = tickpage_exit;
    pc->vendor_id = TICKPAGE_PCI_VENDOR_ID;
    pc->device_id = TICKPAGE_PCI_DEVICE_ID;
    pc->revision = 1;
    pc->class_id = TICKPAGE_PCI_CLASS >> 8;
    rc->phases.hold = tickpage_reset_hold;
    dc->vmsd = &vmstate_tickpage;
    dc->desc = "tickpage guest time page";
    device_class_set_props(dc, tickpage_properties);
    object_class_property_set_description(klass, "period-ns",
        "publication period in ns, 100000..1000000000");
    object_class_property_set_description(klass, "memdev",
        "id of a read-only memory-backend-file (tickpaged's page) to map"
        " instead of publishing a page of the device's own");
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo tickpage_type_info = {
    .name = TYPE_TICKPAGE,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(TickpageState),
    .class_init = tickpage_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { }
    },
};

static void tickpage_register_types(void)
{
    type_register_static(&tickpage_type_info);
}

type_init(tickpage_register_types)
