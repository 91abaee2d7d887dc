/** A URL fit for logs and error messages: any password in it replaced by "***". */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^/@:\s]*:)[^/@\s]*@/g, '$1***@').replace(/(\/\/)([^/@:\s]+)@/g, '$1***@');
}
