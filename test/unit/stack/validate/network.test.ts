import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ipamIssues } from '../../../../core/stack/validate/network.js';
import { stack } from '../../../../core/stack/define.js';
import { normalize } from '../../../fixtures/builders.js';

const ipam = suite('validate/network: IPAM as the engine checks it');

ipam('a valid IPv4 or IPv6 subnet with a gateway inside it has no issues', () => {
  assert.equal(ipamIssues('10.77.0.0/24', '10.77.0.1'), []);
  assert.equal(ipamIssues('10.77.0.0/24', undefined), []);
  assert.equal(ipamIssues('fd00:77::/64', 'fd00:77::1'), []);
  assert.equal(ipamIssues(undefined, undefined), []);
});

ipam('the engine refuses these at network create; each is reported on its field', () => {
  // "failed to allocate gateway (10.232.0.1): Requested address is out of range"
  assert.equal(ipamIssues('10.231.0.0/24', '10.232.0.1'), [{ field: 'gateway', message: 'gateway 10.232.0.1 is outside the subnet 10.231.0.0/24' }]);
  // "Address already in use"
  assert.match(ipamIssues('10.231.0.0/24', '10.231.0.0')[0]!.message, /network address of 10\.231\.0\.0\/24/);
  assert.match(ipamIssues('10.231.0.0/24', '10.231.0.255')[0]!.message, /broadcast address/);
  // "Invalid subnet 10.231.0.0/33"
  assert.equal(ipamIssues('10.231.0.0/33', undefined).map((i) => i.field), ['subnet']);
  // "No available addresses on this pool"
  assert.match(ipamIssues('10.231.0.0/31', undefined)[0]!.message, /no address for a gateway/);
  assert.match(ipamIssues('10.231.0.0/24', 'fd00::1')[0]!.message, /IPv6 address but the subnet 10\.231\.0\.0\/24 is IPv4/);
  assert.match(ipamIssues('10.231.0.0/24', 'gw')[0]!.message, /not an IPv4 or IPv6 address/);
  assert.equal(ipamIssues(undefined, '10.0.0.1'), [{ field: 'gateway', message: 'a gateway needs a subnet' }]);
});

ipam('in a stack: the diagnostic names the network, the field and the declaration', () => {
  const { diagnostics } = normalize(stack('shop', ({ network }) => {
    network('front', { subnet: '10.231.0.0/24', gateway: '10.232.0.1' });
  }));
  assert.equal(diagnostics.map((d) => [d.resource, d.field, d.summary]), [['network.front', 'gateway', 'gateway 10.232.0.1 is outside the subnet 10.231.0.0/24']]);
  assert.ok(diagnostics[0]!.location?.line, 'a line in the stack file');
});

ipam('subnets of two networks of the stack that overlap: the second is reported', () => {
  const { diagnostics } = normalize(stack('shop', ({ network }) => {
    network('a', { subnet: '10.231.0.0/16' });
    network('b', { subnet: '10.231.7.0/24' });
    network('c', { subnet: '10.232.0.0/24' });
    // Another address space: an overlay network may reuse a local subnet.
    network('d', { subnet: '10.231.9.0/24', driver: 'overlay' });
  }));
  assert.equal(diagnostics.map((d) => [d.resource, d.field, d.summary]), [
    ['network.b', 'subnet', 'subnet 10.231.7.0/24 overlaps subnet 10.231.0.0/16 of network "a": the engine refuses overlapping subnets'],
  ]);
});

ipam('an IPv6 subnet is accepted (it was refused as "Invalid IPv4 range" before)', () => {
  const { stack: d, diagnostics } = normalize(stack('shop', ({ network }) => { network('v6', { subnet: 'fd00:77::/64', gateway: 'fd00:77::1' }); }));
  assert.equal(diagnostics, []);
  assert.is(d.networks[0]!.subnet, 'fd00:77::/64');
});

ipam.run();
