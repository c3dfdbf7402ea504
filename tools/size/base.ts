// Size probe: the runtime alone (the baseline the codec probes are compared with). See tools/codec-size.sh.
import { registerCommands } from "../../assembly/base/runtime";
export {
  abi_version, io_buffer, io_capacity, start, on_datagram, on_timer, next_deadline, cancel,
  last_error, error_detail, error_detail_len, heap_top,
} from "../../assembly/base/runtime";
registerCommands((): i32 => 0);
