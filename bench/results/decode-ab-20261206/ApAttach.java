import com.sun.tools.attach.VirtualMachine;

/** Loads async-profiler into a running JVM with the given options (as jattach would). */
public class ApAttach {
    public static void main(String[] a) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(a[0]);
        try {
            vm.loadAgentPath(a[1], a[2]);
        } finally {
            vm.detach();
        }
    }
}
