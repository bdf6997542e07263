// Direct dial, return call, busy and callee hangs up through the whole stack over TCP
// (sipp -t t1 on both ends; the trunk's gateway URI carries ;transport=tcp).
import { describeMainFlows } from './main-flows.ts';

describeMainFlows('t1');
