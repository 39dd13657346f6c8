package dev.vigil.bench.gen;

/** A simulated process: what the sensor reports about the caller of each syscall. */
final class Proc {
    final int pid;
    final int ppid;
    final Container container;
    final int uid;
    String name;
    String exepath;
    String cmdline;
    boolean alive = true;

    Proc(int pid, int ppid, Container container, int uid, String name, String exepath, String cmdline) {
        this.pid = pid;
        this.ppid = ppid;
        this.container = container;
        this.uid = uid;
        this.name = name;
        this.exepath = exepath;
        this.cmdline = cmdline;
    }
}
