// Direct dial, return call, busy and callee hangs up through the whole stack over UDP.
import { describeMainFlows } from './main-flows.ts';

describeMainFlows('u1');
