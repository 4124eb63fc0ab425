// VNet mode ("new"): one VNet with a subnet delegated to ACI (container groups get private IPs there) and a
// subnet delegated to Microsoft.App/environments for the Flex Consumption app's VNet integration.
// Pods in ACI reach the cluster only if this VNet is peered with the cluster's (docs/deploy.md); to put
// container groups in the AKS VNet itself use vnetMode "existing".

@description('Region of the VNet.')
param location string

@description('Tags for the VNet.')
param tags object

@description('VNet name.')
param vnetName string

@description('VNet address space.')
param addressPrefix string

@description('Prefix of the ACI subnet.')
param aciSubnetPrefix string

@description('Prefix of the Functions integration subnet.')
param functionsSubnetPrefix string

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: 'aci'
        properties: {
          addressPrefix: aciSubnetPrefix
          delegations: [
            {
              name: 'aci-delegation'
              properties: { serviceName: 'Microsoft.ContainerInstance/containerGroups' }
            }
          ]
        }
      }
      {
        name: 'functions'
        properties: {
          addressPrefix: functionsSubnetPrefix
          delegations: [
            {
              name: 'flex-delegation'
              properties: { serviceName: 'Microsoft.App/environments' }
            }
          ]
        }
      }
    ]
  }
}

@description('Delegated ACI subnet id.')
output aciSubnetId string = '${vnet.id}/subnets/aci'

@description('Functions integration subnet id.')
output functionsSubnetId string = '${vnet.id}/subnets/functions'
