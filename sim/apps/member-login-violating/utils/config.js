module.exports = {
  appId: 'wx5d8a1e3f902c7b64',
  appSecret: '4f1c9e7a2b8d06e35a9c1f7e2d4b8a60',
  api: 'https://api.yuexiang-mall.example'
}
