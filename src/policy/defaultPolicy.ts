/**
 * The default policy: the practice driftwarden exists for. Inbound traffic only from the workspace subnets (which a
 * policy file names) and the platform service tags Azure ML compute needs; well-known management, file-sharing,
 * database, cache and cluster-control ports are sensitive. Nothing is reverted without a human unless a policy
 * file says `auto`: trust is earned, not assumed.
 */
import type { PolicyFile } from './schema';

export const DEFAULT_POLICY_FILE: PolicyFile = {
  network: {
    allowedSourcePrefixes: [],
    allowedServiceTags: [
      { tag: 'AzureLoadBalancer' },
      // Azure ML compute instances and clusters are managed over these (learn.microsoft.com, "Plan for network isolation").
      { tag: 'AzureMachineLearning', protocols: ['Tcp'], ports: ['44224'] },
      { tag: 'BatchNodeManagement', protocols: ['Tcp'], ports: ['29876-29877'] },
    ],
    allowedApplicationSecurityGroups: [],
    sensitivePorts: [
      { name: 'SSH', protocols: ['Tcp'], ports: ['22'], severity: 'critical' },
      { name: 'RDP', protocols: ['Tcp', 'Udp'], ports: ['3389'], severity: 'critical' },
      { name: 'WinRM', protocols: ['Tcp'], ports: ['5985-5986'], severity: 'critical' },
      { name: 'SMB', protocols: ['Tcp'], ports: ['445'], severity: 'critical' },
      { name: 'Telnet', protocols: ['Tcp'], ports: ['23'], severity: 'critical' },
      { name: 'Docker API', protocols: ['Tcp'], ports: ['2375-2376'], severity: 'critical' },
      { name: 'etcd', protocols: ['Tcp'], ports: ['2379-2380'], severity: 'critical' },
      { name: 'Kubelet API', protocols: ['Tcp'], ports: ['10250'], severity: 'critical' },
      { name: 'Kubernetes API', protocols: ['Tcp'], ports: ['6443'], severity: 'high' },
      { name: 'NetBIOS', protocols: ['Tcp', 'Udp'], ports: ['137-139'], severity: 'high' },
      { name: 'MS RPC', protocols: ['Tcp'], ports: ['135'], severity: 'high' },
      { name: 'FTP', protocols: ['Tcp'], ports: ['20-21'], severity: 'high' },
      { name: 'TFTP', protocols: ['Udp'], ports: ['69'], severity: 'high' },
      { name: 'VNC', protocols: ['Tcp'], ports: ['5900-5903'], severity: 'high' },
      { name: 'LDAP', protocols: ['Tcp', 'Udp'], ports: ['389', '636'], severity: 'high' },
      { name: 'SQL Server', protocols: ['Tcp', 'Udp'], ports: ['1433-1434'], severity: 'high' },
      { name: 'MySQL', protocols: ['Tcp'], ports: ['3306'], severity: 'high' },
      { name: 'PostgreSQL', protocols: ['Tcp'], ports: ['5432'], severity: 'high' },
      { name: 'Oracle', protocols: ['Tcp'], ports: ['1521'], severity: 'high' },
      { name: 'MongoDB', protocols: ['Tcp'], ports: ['27017-27019'], severity: 'high' },
      { name: 'Cassandra', protocols: ['Tcp'], ports: ['9042'], severity: 'high' },
      { name: 'CouchDB', protocols: ['Tcp'], ports: ['5984'], severity: 'high' },
      { name: 'Redis', protocols: ['Tcp'], ports: ['6379'], severity: 'high' },
      { name: 'Memcached', protocols: ['Tcp', 'Udp'], ports: ['11211'], severity: 'high' },
      { name: 'Elasticsearch', protocols: ['Tcp'], ports: ['9200', '9300'], severity: 'high' },
      { name: 'Jupyter', protocols: ['Tcp'], ports: ['8888'], severity: 'high' },
      { name: 'Ray dashboard', protocols: ['Tcp'], ports: ['8265'], severity: 'high' },
      { name: 'Kibana', protocols: ['Tcp'], ports: ['5601'], severity: 'medium' },
      { name: 'TensorBoard', protocols: ['Tcp'], ports: ['6006'], severity: 'medium' },
      { name: 'SNMP', protocols: ['Udp'], ports: ['161-162'], severity: 'medium' },
    ],
    severityBySourceClass: { internet: 'high', public: 'medium', serviceTag: 'medium', private: 'low', asg: 'low' },
  },
  modes: { critical: 'approve', high: 'approve', medium: 'approve', low: 'alert' },
  approval: { timeout: 'PT1H', onTimeout: 'keep' },
  exemptions: [],
};
